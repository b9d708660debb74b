// Devices: parsing torch's device strings ('cpu', 'cuda', 'cuda:0'), the `cuda` namespace,
// and the checks every entry that takes a device runs before any allocation. A build
// without CUDA answers through native/cuda/stub.cpp: not available, and why.
import { native, type Handle } from './binding';
import { type DType, DTYPES } from './dtype';
import { argError, optionsArg, dtypeArg } from './args';

/** @internal The device utilities of the addon (native/binding/addon.cpp), typed here so they
 * do not depend on how ts/binding.ts declares the op exports. */
export const deviceNative = native as unknown as {
  /** 'cpu' or 'cuda' (a tensor's storage's device) */
  device(x: Handle): 'cpu' | 'cuda';
  /** a contiguous copy on that device; the CUDA stub throws "to: cuda is not available: ..." */
  to_device(x: Handle, device: 'cpu' | 'cuda'): Handle;
  cuda_info(): { available: boolean; deviceCount: number; reason: string };
};

/** A device as torch spells it: 'cpu', 'cuda' (the current CUDA device) or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}` | `cpu:0`;
/** What `tensor.device` answers: 'cpu' or 'cuda:N' (torch's str(tensor.device)). */
export type DeviceName = 'cpu' | `cuda:${number}`;

/** A parsed device: its type and index (null: the current device of that type). */
export interface DeviceSpec { type: 'cpu' | 'cuda'; index: number | null }

// torch's grammar (c10/core/Device.cpp): a type, then optionally ':' and an index without
// leading zeros. Types torch knows that myelin has no backend for are named as such.
const DEVICE_RE = /^([a-zA-Z_]+)(?::([1-9]\d*|0))?$/;
const TORCH_ONLY = ['mps', 'xpu', 'xla', 'meta', 'hip', 'mtia', 'ipu', 'hpu', 've', 'lazy', 'vulkan', 'opengl', 'opencl', 'ideep', 'mkldnn', 'fpga', 'maia', 'privateuseone'];
const EXPECTED = "a device: 'cpu', 'cuda' or 'cuda:N'";

/**
 * Parses a device string as torch.device does; anything else throws naming `op`:
 * `to: device must be a device: 'cpu', 'cuda' or 'cuda:N', got "gpu"`.
 */
export function parseDevice(op: string, v: unknown, what = 'device'): DeviceSpec {
  const m = typeof v === 'string' ? DEVICE_RE.exec(v) : null;
  if (!m) throw argError(op, what, EXPECTED, v);
  const type = m[1], index = m[2] === undefined ? null : Number(m[2]);
  if (type === 'cpu') {
    // as torch: 'cpu:0' names the one CPU device, another index is an error
    if (index !== null && index !== 0) throw new Error(`${op}: ${what} "${v}": the CPU device index must be 0`);
    return { type: 'cpu', index: null };
  }
  if (type === 'cuda') {
    if (!Number.isSafeInteger(index ?? 0)) throw argError(op, what, EXPECTED, v);
    return { type: 'cuda', index };
  }
  if (TORCH_ONLY.includes(type)) throw new Error(`${op}: ${what} "${v}" is not supported by myelin (its devices are 'cpu' and 'cuda')`);
  throw argError(op, what, EXPECTED, v);
}

/** The name `tensor.device` would give a tensor on `d` ('cuda' alone means cuda:0 here, the only current device). */
export const deviceName = (d: DeviceSpec): DeviceName => (d.type === 'cpu' ? 'cpu' : `cuda:${d.index ?? 0}`);

let cudaInfo: { available: boolean; deviceCount: number; reason: string } | undefined;
const info = () => (cudaInfo ??= deviceNative.cuda_info());

/**
 * Throws `${op}: cuda is not available: <reason>` (or names the missing index) unless `d`
 * can hold tensors in this process. Every entry taking a device calls it before allocating.
 */
export function checkDevice(op: string, d: DeviceSpec): void {
  if (d.type === 'cpu') return;
  const { available, deviceCount, reason } = info();
  if (!available) throw new Error(`${op}: cuda is not available: ${reason}`);
  if ((d.index ?? 0) >= deviceCount)
    throw new Error(`${op}: ${deviceName(d)} is not available: this machine has ${deviceCount} CUDA device${deviceCount === 1 ? '' : 's'}`);
}

/** A device argument parsed and checked: parseDevice then checkDevice. */
export function deviceArg(op: string, v: unknown, what = 'device'): DeviceSpec {
  const d = parseDevice(op, v, what);
  checkDevice(op, d);
  return d;
}

/** What `to()` was asked for: a device, a dtype, or both (either may be missing). */
export interface ToTarget { device?: DeviceSpec; dtype?: DType }
/** `to()`'s argument: a dtype name, a device string, or `{ device, dtype }`; checked, devices available. */
export function toTarget(op: string, v: unknown): ToTarget {
  if (typeof v === 'string') {
    if (DTYPES.includes(v as DType)) return { dtype: v as DType };
    const m = DEVICE_RE.exec(v);
    if (!m || !(m[1] === 'cpu' || m[1] === 'cuda' || TORCH_ONLY.includes(m[1]))) throw argError(op, 'the target', `a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')}) or ${EXPECTED}`, v);
    return { device: deviceArg(op, v) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw argError(op, 'the target', `a dtype, a device or { device, dtype }`, v);
  const o = optionsArg(op, v as { device?: unknown; dtype?: unknown });
  for (const k of Object.keys(o)) if (k !== 'device' && k !== 'dtype') throw new Error(`${op}: unknown option '${k}' (expected device and/or dtype)`);
  return {
    device: o.device === undefined ? undefined : deviceArg(op, o.device),
    dtype: o.dtype === undefined ? undefined : dtypeArg(op, o.dtype),
  };
}

/**
 * CUDA as this process sees it. A build without CUDA (node-gyp, the default) answers
 * false, 0 and the reason; `to('cuda')` then throws `to: cuda is not available: ...`.
 * ```ts
 * const dev = cuda.isAvailable() ? 'cuda' : 'cpu';
 * const x = randn([2, 3], { device: dev });
 * ```
 */
export const cuda = {
  /** True when this build has CUDA and the machine has a device. */
  isAvailable: (): boolean => info().available,
  /** CUDA devices this process can use (0 without CUDA). */
  deviceCount: (): number => info().deviceCount,
  /** Why CUDA is not available ('' when it is): "built without CUDA; ...". */
  unavailableReason: (): string => info().reason,
};
