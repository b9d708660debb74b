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

/** Converts numbers (or bigints) into the TypedArray the native side expects for `dtype`. */
export function toTypedArray(values: ArrayLike<number | boolean | bigint>, dtype: DType): TypedArrayFor {
  const n = values.length;
  switch (dtype) {
    case 'float32': return Float32Array.from(values as ArrayLike<number>, Number);
    case 'float64': return Float64Array.from(values as ArrayLike<number>, Number);
    case 'int32': return Int32Array.from(values as ArrayLike<number>, (v) => Math.trunc(Number(v)));
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
      }
      return out;
    }
    case 'bool': return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  }
}
