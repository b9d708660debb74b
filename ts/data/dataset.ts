// Map-style datasets (torch.utils.data.Dataset, TensorDataset, Subset, random_split).
import { Tensor } from '../tensor';
import { Generator } from './random';

/** A map-style dataset: `length` items addressed by index 0..length-1. */
export abstract class Dataset<T = unknown> {
  abstract get length(): number;
  abstract get(i: number): T;
}

const checkIndex = (i: number, n: number, who: string) => {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) throw new Error(`${who}: index ${String(i)} out of range for length ${n}`);
};
/** An array argument (indices, lengths): checked before it is iterated. */
const arrayArg = (who: string, what: string, v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new Error(`${who}: ${what} must be an array of numbers, got ${v === null ? 'null' : typeof v}`);
  return v;
};

/**
 * Rows of tensors sharing dim 0; item i is `[t0[i], t1[i], ...]`.
 * ```ts
 * const ds = new data.TensorDataset(images, labels); // ds.get(0) -> [image, label]
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
      if (t.isDisposed) throw new Error(`TensorDataset: tensor ${i} is disposed`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${i} is 0-d; every tensor needs a dim 0`);
      if (t.shape[0] !== tensors[0].shape[0])
        throw new Error(`TensorDataset: size mismatch between tensors: tensor 0 has ${tensors[0].shape[0]} rows, tensor ${i} has ${t.shape[0]}`);
    });
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0].shape[0]; }
  get(i: number): Tensor[] {
    checkIndex(i, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** The items of `dataset` at `indices`, in that order. */
export class Subset<T> extends Dataset<T> {
  constructor(readonly dataset: Dataset<T>, readonly indices: number[]) {
    super();
    for (const i of arrayArg('Subset', 'indices', indices)) checkIndex(i as number, dataset.length, 'Subset');
  }
  get length(): number { return this.indices.length; }
  get(i: number): T {
    checkIndex(i, this.indices.length, 'Subset');
    return this.dataset.get(this.indices[i]);
  }
}

/**
 * Splits a dataset into disjoint random subsets. `lengths` are counts summing to the
 * length, or fractions summing to 1 (remainders go round-robin to the first subsets, as torch).
 * ```ts
 * const [train, val] = data.randomSplit(ds, [0.8, 0.2], { seed: 0 });
 * ```
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { seed?: number } = {}): Subset<T>[] {
  const n = dataset.length;
  if (arrayArg('randomSplit', 'lengths', lengths).some((l) => typeof l !== 'number'))
    throw new Error(`randomSplit: lengths must be numbers, got [${lengths.map((l) => typeof l).join(', ')}]`);
  let counts = lengths;
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !(l >= 0))) throw new Error(`randomSplit: lengths must be non-negative, got [${lengths.join(', ')}]`);
  if (Math.abs(sum - 1) < 1e-9 && !(sum === n && lengths.every(Number.isInteger))) {
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else if (lengths.some((l) => !Number.isInteger(l)) || sum !== n) {
    throw new Error(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
  }
  const perm = Generator.fromSeed(opts.seed, 'randomSplit').permutation(n);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const c of counts) { out.push(new Subset(dataset, perm.slice(off, off + c))); off += c; }
  return out;
}
