// What fit and evaluate accept as data: batches (any iterable of [input, target] pairs, such
// as a DataLoader), a Dataset, or Keras' [x, y] tensors; and Keras' validationSplit, which
// holds out the last fraction of the rows (taken before shuffling, as Keras does).
import { Tensor } from '../tensor';
import { showValue } from '../args';
import { Dataset, Subset, TensorDataset } from '../data/dataset';
import { DataLoader } from '../data/dataloader';

export type Batches = Iterable<[Tensor, Tensor]> & { length?: number };
/** Batches, a Dataset of [input, target] items, or an [x, y] pair of tensors with the same first dimension. */
export type FitData = Batches | Dataset<Tensor[]> | [Tensor, Tensor];

const isPair = (d: unknown): d is [Tensor, Tensor] => Array.isArray(d) && d.length === 2 && d[0] instanceof Tensor && d[1] instanceof Tensor;

/** The data as a Dataset when it can be split (a pair or a Dataset), else null (plain batches). */
function datasetOf(op: string, d: unknown): Dataset<Tensor[]> | null {
  if (isPair(d)) {
    const [x, y] = d;
    if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0])
      throw new Error(`${op}: x [${x.shape.join(', ')}] and y [${y.shape.join(', ')}] must have the same number of rows`);
    return new TensorDataset(x, y);
  }
  return d instanceof Dataset ? (d as Dataset<Tensor[]>) : null;
}

const loader = (ds: Dataset<Tensor[]>, batchSize: number, shuffle: boolean, seed?: number): Batches =>
  new DataLoader(ds, { batchSize, shuffle, seed }) as unknown as Batches;

export interface SplitOptions { batchSize?: number; shuffle?: boolean; seed?: number; validationSplit?: number }
/** Training batches and, with validationSplit, validation batches from the held-out last rows. */
export function trainBatches(op: string, d: unknown, o: SplitOptions): { train: Batches; val?: Batches } {
  const bs = o.batchSize ?? 32;
  if (!Number.isInteger(bs) || bs <= 0) throw new Error(`${op}: batchSize must be a positive integer, got ${showValue(o.batchSize)}`);
  const ds = datasetOf(op, d);
  const vs = o.validationSplit;
  if (vs !== undefined && (typeof vs !== 'number' || !(vs > 0 && vs < 1)))
    throw new Error(`${op}: validationSplit must be a number in (0, 1), got ${showValue(vs)}`);
  if (!ds) {
    if (vs !== undefined) throw new Error(`${op}: validationSplit needs [x, y] tensors or a Dataset to split, got batches (pass validationData instead)`);
    return { train: d as Batches };
  }
  if (vs === undefined) return { train: loader(ds, bs, o.shuffle ?? true, o.seed) };
  const n = ds.length, nVal = Math.floor(n * vs);
  // Keras: split_at = int(n * (1 - validation_split)); both parts must hold a row
  if (nVal < 1 || nVal >= n) throw new Error(`${op}: validationSplit ${vs} of ${n} rows leaves ${n - nVal} for training and ${nVal} for validation; both need at least one`);
  const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  return { train: loader(new Subset(ds, idx(0, n - nVal)), bs, o.shuffle ?? true, o.seed), val: loader(new Subset(ds, idx(n - nVal, n)), bs, false) };
}

/** Evaluation batches: batches as given, or a pair/Dataset in order. */
export function evalBatches(op: string, d: unknown, batchSize = 32): Batches {
  const ds = datasetOf(op, d);
  return ds ? loader(ds, batchSize, false) : (d as Batches);
}
