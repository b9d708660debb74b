// The native addon's surface, declared as a TypeScript interface (the only file that
// loads it). Handles are opaque externals; every export validates its arguments.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { DType } from './dtype';

export type Handle = { readonly __handle: unique symbol };
type H = Handle;
type S = H | number | boolean;
type Dims = number[];

export interface Binding {
  // unary family (native/ops.def): (x, ...params, out?)
  [unary: string]: any;
  add(a: S, b: S, out?: H): H; sub(a: S, b: S, out?: H): H; mul(a: S, b: S, out?: H): H;
  div(a: S, b: S, out?: H): H; pow(a: S, b: S, out?: H): H;
  as_strided(x: H, shape: Dims, strides: Dims, offset: number): H;
  reshape(x: H, shape: Dims): H; view(x: H, shape: Dims): H; permute(x: H, dims: Dims): H;
  transpose(x: H, d0: number, d1: number): H; slice(x: H, dim: number, start: number, end: number, step: number): H;
  select(x: H, dim: number, i: number): H; narrow(x: H, dim: number, start: number, length: number): H;
  expand(x: H, shape: Dims): H; squeeze(x: H, dims?: Dims | null): H; unsqueeze(x: H, dim: number): H;
  flatten(x: H, start: number, end: number): H; contiguous(x: H): H; to_dtype(x: H, dtype: DType): H;
  copy_(dst: H, src: H): H; where(cond: H, a: S, b: S): H;
  from_array(data: ArrayBufferView, shape: Dims, dtype: DType, convert?: boolean): H; full(shape: Dims, v: number, dtype: DType): H;
  fill_(x: H, v: number): H; arange(start: number, end: number, step: number, dtype: DType): H;
  linspace(start: number, end: number, steps: number, dtype: DType): H; eye(n: number, m: number, dtype: DType): H;
  uniform_(x: H, lo: number, hi: number): H; normal_(x: H, mean: number, std: number): H;
  randint(lo: number, hi: number, shape: Dims, dtype: DType): H; bernoulli(p: H): H; randperm(n: number, dtype: DType): H;
  sum(x: H, dims: Dims | null, keepdim: boolean): H; mean(x: H, dims: Dims | null, keepdim: boolean): H;
  prod(x: H, dims: Dims | null, keepdim: boolean): H; amax(x: H, dims: Dims | null, keepdim: boolean): H;
  amin(x: H, dims: Dims | null, keepdim: boolean): H; all(x: H, dims: Dims | null, keepdim: boolean): H;
  any(x: H, dims: Dims | null, keepdim: boolean): H; logsumexp(x: H, dims: Dims | null, keepdim: boolean): H;
  norm(x: H, p: number, dims: Dims | null, keepdim: boolean): H;
  var(x: H, dims: Dims | null, correction: number, keepdim: boolean): H; std(x: H, dims: Dims | null, correction: number, keepdim: boolean): H;
  max(x: H, dim: number, keepdim: boolean): [H, H]; min(x: H, dim: number, keepdim: boolean): [H, H];
  argmax(x: H, dim: number | null, keepdim: boolean): H; argmin(x: H, dim: number | null, keepdim: boolean): H;
  cumsum(x: H, dim: number): H; softmax(x: H, dim: number): H; log_softmax(x: H, dim: number): H;
  matmul(a: H, b: H): H;
  cat(xs: H[], dim: number): H; gather(x: H, dim: number, index: H): H;
  scatter(x: H, dim: number, index: H, src: H | number): H; scatter_add(x: H, dim: number, index: H, src: H): H;
  index_select(x: H, dim: number, index: H): H; index_add(x: H, dim: number, index: H, src: H, alpha: number): H;
  masked_fill(x: H, mask: H, value: number): H; one_hot(index: H, n: number): H;
  topk(x: H, k: number, dim: number, largest: boolean, sorted: boolean): [H, H];
  sort(x: H, dim: number, descending: boolean, stable: boolean): [H, H]; flip(x: H, dims: Dims): H;
  conv2d(x: H, w: H, b: H | null, stride: Dims, padding: Dims, dilation: Dims, groups: number): H;
  conv_transpose2d(x: H, w: H, b: H | null, stride: Dims, padding: Dims, outputPadding: Dims, dilation: Dims, groups: number): H;
  conv2d_weight_grad(dy: H, x: H, kernel: Dims, stride: Dims, padding: Dims, dilation: Dims, groups: number): H;
  conv2d_backward(dy: H, x: H, w: H, stride: Dims, padding: Dims, dilation: Dims, groups: number, dx: boolean, dw: boolean, db: boolean): [H | null, H | null, H | null];
  max_pool2d(x: H, kernel: Dims, stride: Dims, padding: Dims, dilation: Dims, ceilMode: boolean): [H, H];
  adaptive_max_pool2d(x: H, outputSize: Dims): [H, H];
  batch_norm(x: H, w: H | null, b: H | null, runningMean: H | null, runningVar: H | null, training: boolean, momentum: number, eps: number): [H, H, H];
  batch_norm_backward(dy: H, x: H, w: H | null, mean: H, invstd: H, training: boolean): [H, H, H];
  adam_step_(p: H, g: H, m: H, v: H, vmax: H | null, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, step: number, decoupled: boolean, maximize: boolean): H;
  sgd_step_(p: H, g: H, buf: H | null, lr: number, momentum: number, dampening: number, weightDecay: number,
    nesterov: boolean, maximize: boolean, first: boolean): H;
  rmsprop_step_(p: H, g: H, sq: H, gavg: H | null, buf: H | null, lr: number, alpha: number, eps: number, weightDecay: number,
    momentum: number, maximize: boolean): H;
  adagrad_step_(p: H, g: H, sum: H, lr: number, lrDecay: number, eps: number, weightDecay: number, step: number, maximize: boolean): H;
  // utilities
  dispose(x: H): void; meta(x: H): [DType, Dims, Dims, number, boolean]; shape(x: H): Dims; dtype(x: H): DType;
  same_storage(a: H, b: H): boolean; version(x: H): number; bump_version(x: H): void; to_array(x: H): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  data_async(x: H): Promise<Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array>;
  from_buffer(buffer: ArrayBuffer | SharedArrayBuffer, shape: Dims, dtype: DType, byteOffset: number): H;
  item(x: H): number | boolean;
  memory(): { numTensors: number; numStorages: number; numBytes: number; numBytesCached: number };
  empty_cache(): void; set_memory_limit(bytes: number | null): void;
  manual_seed(seed: number): void; set_num_threads(n: number): void; get_num_threads(): number;
  backend_info(): { blas: string; parallel: string; conv: string; numThreads: number; build: string; cuda: boolean };
  op_list(): string[];
}

// MYELIN_ADDON overrides the path (e.g. to test the cmake or no-BLAS build).
function load(): Binding {
  const override = process.env.MYELIN_ADDON;
  if (override) return require(override) as Binding;
  // bindings searches build/Release, build/Debug, ... and lists every path it tried
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('bindings')({ bindings: 'myelin', module_root: require('path').join(__dirname, '..') }) as Binding;
}

export const native: Binding = load();
