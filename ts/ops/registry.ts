// The op registry: one row per native op id, generated from native/ops.def in the same
// order (ts/ops/table_gen.ts, `npm run gen`). Columns: id (snake_case, the native
// export), family, api (where users reach it: a Tensor method, or a top-level function
// marked 'fn:'), grad (how autograd differentiates it, below), signature (the native
// export's arguments and result, as ops.def writes them) and args, the same parsed.
// test/op_table.test.ts checks that this table, the native op list and the test table hold
// the same ids, and that each row's grad holds; test/schema.test.ts that it is current.
import { OP_ROWS } from './table_gen';
import { native } from '../binding';
import type { DType } from '../dtype';

export type OpFamily = 'unary' | 'binary' | 'view' | 'creation' | 'reduce' | 'linalg' | 'index' | 'conv' | 'optim';
/**
 * How autograd differentiates each op (test/op_table.test.ts holds every row to it):
 * 'rule'    a gradient rule in ts/autograd/formulas.ts, named by the row's api;
 * 'record'  the op's TS wrapper records its own backward (ts/ops/*.ts, cat);
 * 'inplace' an in-place method that autograd records (formulas.ts IN_PLACE);
 * otherwise why the op has no gradient (as torch: integer or boolean results, randomness).
 */
export type GradKind = 'rule' | 'record' | 'inplace' | { none: string };
/** An argument's type in ops.def's signature language (native/ops.def explains each). */
export type ArgType = 'tensor' | 'tensor?' | 'scalar' | 'tensor[]' | 'tensor|float' | 'int' | 'int?' | 'float' | 'float?' | 'bool'
  | 'int[]' | 'int[]?' | 'dtype' | 'typed_array';
/** [name, type] or [name, type, true] when the argument may be left out */
export type ArgSpec = readonly [name: string, type: ArgType, omittable?: true];
/** tensor: a new tensor; tuple: several (an array); self: argument 0, in place; out: the `out` argument when given */
export type ResultKind = 'tensor' | 'tuple' | 'self' | 'out';
export interface OpRow {
  id: string; family: OpFamily; api: string; grad: GradKind;
  signature: string; args: readonly ArgSpec[]; result: ResultKind;
}

export const OPS: readonly OpRow[] = OP_ROWS;

/**
 * Whether this build runs `op` (an ops.def id) on `device` for inputs of `dtype`: the CPU
 * has every op, a build without CUDA no CUDA kernel. Unknown ids, devices and dtypes throw.
 */
export function supports(op: string, device: 'cpu' | 'cuda', dtype: DType): boolean {
  return native.supports(op, device, dtype);
}
