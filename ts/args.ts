// Shared argument checkers. Every public function checks its JS arguments with these, so a
// wrong argument is an Error that names the op and the value (`matmul: other must be a
// Tensor, got undefined`) instead of V8's "Cannot read properties of undefined", and a bad
// value is refused rather than coerced. They cost a typeof/instanceof on the good path:
// the message is built only when throwing.
import { Tensor } from './tensor';
import { type DType, DTYPES } from './dtype';

/** A JS value as an error message shows it (template literals throw on symbols; JSON on bigints). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (v instanceof Tensor) return `a ${v.isDisposed ? 'disposed ' : ''}tensor`;
  if (Array.isArray(v)) return v.length > 8 ? `[${v.slice(0, 8).map(showValue).join(', ')}, ...]` : `[${v.map(showValue).join(', ')}]`;
  return v !== null && typeof v === 'object' ? 'an object' : String(v);
}

/** The Error every checker throws: `${op}: ${what} must be ${expected}, got ${value}`. */
export function argError(op: string, what: string, expected: string, v: unknown): Error {
  return new Error(`${op}: ${what} must be ${expected}, got ${showValue(v)}`);
}

/** A tensor argument that is alive. */
export function tensorArg(op: string, what: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw argError(op, what, 'a Tensor', x);
  if (x.isDisposed) throw new Error(`${op}: ${what} is a disposed tensor`);
  return x;
}

/** A tensor argument or null/undefined (an optional weight or bias). */
export function optTensorArg(op: string, what: string, x: unknown): Tensor | undefined {
  if (x === undefined || x === null) return undefined;
  if (!(x instanceof Tensor)) throw argError(op, what, 'a Tensor or null', x);
  return tensorArg(op, what, x);
}

/** An integer argument: a size (features, channels; min 0) or a dim (min -Infinity: any sign). */
export function intArg(op: string, what: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw argError(op, what, `an integer${min > -Infinity ? ` >= ${min}` : ''}`, v);
  return v;
}

/** A finite number argument (eps, slopes, probabilities), optionally bounded below. */
export function numberArg(op: string, what: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw argError(op, what, `a finite number${min > -Infinity ? ` >= ${min}` : ''}`, v);
  return v;
}

/** A boolean flag (keepdim, training, inplace): `'false'` is truthy, so strings are refused. */
export function boolArg(op: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw argError(op, what, 'a boolean', v);
  return v;
}

/** One of a fixed set of strings (reduction, approximate, mode). */
export function choiceArg<T extends string>(op: string, what: string, v: unknown, choices: readonly T[]): T {
  if (!choices.includes(v as T)) throw argError(op, what, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v);
  return v as T;
}

/** An options object: undefined gives {}, anything but a plain object is refused. */
export function optionsArg<T extends object>(op: string, v: T | undefined, what = 'options'): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) throw argError(op, what, 'an object', v);
  return v;
}

/** Throws argError: for expressions (`x instanceof Tensor ? x._h : badArg(...)`) on hot paths. */
export function badArg(op: string, what: string, expected: string, v: unknown): never {
  throw argError(op, what, expected, v);
}

/** A dtype name; anything else (a typo, 'int8', a number) is refused by name. */
export function dtypeArg(op: string, v: unknown, what = 'dtype'): DType {
  if (!DTYPES.includes(v as DType)) throw argError(op, what, `one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`, v);
  return v as DType;
}

/** A shape: an array of non-negative safe integers (the native side checks that the product fits). */
export function shapeArg(op: string, v: unknown, what = 'size'): number[] {
  if (!Array.isArray(v)) throw argError(op, what, 'an array of non-negative integers', v);
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'number' || !Number.isSafeInteger(v[i]) || v[i] < 0) throw argError(op, what, 'an array of non-negative integers', v);
  return v;
}
