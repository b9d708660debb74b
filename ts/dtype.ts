// Element types and how JS values map onto them.
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

export const isFloating = (d: DType): boolean => d === 'float32' || d === 'float64';

export type TypedArrayFor = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** The dtype a TypedArray maps to (torch.from_numpy's rules, narrowed to our dtypes). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array || a instanceof Int16Array || a instanceof Int8Array || a instanceof Uint16Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'int32';
  if (a instanceof BigInt64Array || a instanceof Uint32Array) return 'int64';
  return undefined;
}

const INT_RANGE = {
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
    case 'int32': case 'int64': {
      const [lo, hi] = INT_RANGE[dtype];
      const out = dtype === 'int32' ? new Int32Array(n) : new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const num = typeof v === 'bigint' ? NaN : Number(v);
        // exact for bigints; for numbers, compare the value itself (as torch), then truncate
        const ok = typeof v === 'bigint' ? v >= lo && v <= hi : num >= Number(lo) && (dtype === 'int32' ? num <= Number(hi) : num < 2 ** 63);
        if (!ok)
          throw new Error(`${op}: value ${String(v)} at index ${i} cannot be converted to ${dtype} without overflow (${dtype} holds ${lo} to ${hi}, and no NaN)`);
        if (out instanceof Int32Array) out[i] = typeof v === 'bigint' ? Number(v) : Math.trunc(num);
        else out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(num));
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
