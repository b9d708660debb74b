// Element types and how JS values map onto them.
//
// Type promotion is PyTorch's (torch.result_type): bool < uint8, int8 < int32 < int64 <
// float16, bfloat16 < float32 < float64; float16 with bfloat16 gives float32. torch gives
// int16 for uint8 with int8; myelin has no int16 and gives int32. A JS number is a weak
// scalar: it does not raise a tensor's dtype within its category (uint8 + 300 stays uint8
// and wraps, float16 + 0.1 stays float16), only across one (int8 + 0.5 is float32).
// float16 and bfloat16 are stored as raw 16-bit patterns (data() gives a Uint16Array) and
// computed in float32 on the CPU, each result rounded once (as torch's CPU kernels).
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool'];

export const isFloating = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
/** float16 and bfloat16: 16-bit storage, float32 compute. */
export const isReducedFloat = (d: DType): boolean => d === 'float16' || d === 'bfloat16';

export type TypedArrayFor = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;

/**
 * True when `a` is the TypedArray class that holds `dtype`'s elements as they are stored
 * (data()'s class): its contents are copied as they are, bits and all (a Uint16Array for
 * float16/bfloat16 holds raw bit patterns). Any other pairing converts values.
 */
export function typedArrayHolds(a: ArrayBufferView, dtype: DType): boolean {
  switch (dtype) {
    case 'float32': return a instanceof Float32Array;
    case 'float64': return a instanceof Float64Array;
    case 'int32': return a instanceof Int32Array;
    case 'int64': return a instanceof BigInt64Array;
    case 'float16': case 'bfloat16': return a instanceof Uint16Array;
    case 'int8': return a instanceof Int8Array;
    case 'uint8': case 'bool': return a instanceof Uint8Array;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The float16 bit pattern nearest to `v` (rounded to float32 first, as torch; ties to even; NaN and inf kept). */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0], sign = (x >>> 16) & 0x8000, ax = x & 0x7fffffff;
  if (ax > 0x7f800000) return sign | 0x7e00;
  if (ax >= 0x477ff000) return sign | 0x7c00;  // from 65520 up: inf (the tie above 65504 rounds to even)
  if (ax < 0x38800000) {  // a subnormal: 2^-24 units, rounded half to even
    const m = Math.abs(f32[0]) * 2 ** 24, r = Math.round(m);
    return sign | (r - m === 0.5 && r % 2 === 1 ? r - 1 : r);
  }
  return sign | (((ax + 0xc8000fff + ((ax >>> 13) & 1)) >>> 13) & 0xffff);
}
/** The bfloat16 bit pattern nearest to `v` (via float32, ties to even; NaN gives 0x7fc0 as torch). */
export function toBfloat16Bits(v: number): number {
  f32[0] = v;
  if (Number.isNaN(f32[0])) return 0x7fc0;
  const x = u32[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The dtype a TypedArray maps to (torch.from_numpy's rules, narrowed to our dtypes). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array || a instanceof Int16Array || a instanceof Int8Array || a instanceof Uint16Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'int32';
  if (a instanceof BigInt64Array || a instanceof Uint32Array) return 'int64';
  return undefined;
}

const INT_RANGE = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

/**
 * Converts numbers (or bigints) into the TypedArray the native side expects for `dtype`.
 * Fractions truncate toward zero (as torch); a value an integer dtype cannot hold (NaN,
 * ±Infinity, out of range) throws naming the value, instead of wrapping as the typed
 * arrays would. `op` names the caller in that error.
 */
export function toTypedArray(values: ArrayLike<number | boolean | bigint>, dtype: DType, op = 'tensor'): TypedArrayFor {
  const n = values.length;
  switch (dtype) {
    case 'float32': return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64': return Float64Array.from(values as ArrayLike<number>, Number);
    case 'bool': return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'float16': return Uint16Array.from(values as ArrayLike<number>, (v) => toFloat16Bits(Number(v)));
    case 'bfloat16': return Uint16Array.from(values as ArrayLike<number>, (v) => toBfloat16Bits(Number(v)));
    case 'int8': case 'uint8': case 'int32': case 'int64': {
      const [lo, hi] = INT_RANGE[dtype];
      const out = dtype === 'int64' ? new BigInt64Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'int8' ? new Int8Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const num = typeof v === 'bigint' ? NaN : Number(v);
        // exact for bigints; for numbers, compare the value itself (as torch), then truncate
        const ok = typeof v === 'bigint' ? v >= lo && v <= hi : num >= Number(lo) && (dtype === 'int64' ? num < 2 ** 63 : num <= Number(hi));
        if (!ok)
          throw new Error(`${op}: value ${String(v)} at index ${i} cannot be converted to ${dtype} without overflow (${dtype} holds ${lo} to ${hi}, and no NaN)`);
        if (out instanceof BigInt64Array) out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(num));
        else out[i] = typeof v === 'bigint' ? Number(v) : Math.trunc(num);
      }
      return out;
    }
  }
}

/** A fill value from JS: a number or a boolean (as a number); anything else throws, rather than filling NaN. */
export function scalarArg(op: string, v: unknown, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  const got = typeof v === 'string' ? `the string '${v}'` : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
  throw new Error(`${op}: ${what} must be a number or a boolean, got ${got}`);
}
