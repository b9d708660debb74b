// DataLoader: batches over a map-style dataset, with a tensor fast path for TensorDataset.
import { tensor } from '../creation';
import { stack } from '../functional';
import { Tensor } from '../tensor';
import { Dataset, Subset, TensorDataset } from './dataset';
import { Generator } from './random';
import { showValue } from '../args';

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Seed of the loader's own shuffling generator; absent: drawn from myelin's global generator. */
  seed?: number;
  collate?: (items: T[]) => B;
}

/**
 * Stacks a list of samples into a batch, as torch's default_collate: tensors are stacked
 * along a new dim 0, numbers become a 1-d tensor (int64 when all integers, else float32),
 * booleans a bool tensor, arrays and plain objects are collated field by field.
 */
export function defaultCollate(items: unknown[]): any {
  if (!Array.isArray(items)) throw new Error(`defaultCollate: expected an array of items, got ${items === null ? 'null' : typeof items}`);
  if (items.length === 0) throw new Error('defaultCollate: empty batch');
  const first = items[0];
  if (first instanceof Tensor) {
    if (!items.every((v) => v instanceof Tensor)) throw new Error('defaultCollate: mixed element types in batch (a tensor and something else)');
    return stack(items as Tensor[]);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    if (!items.every((v) => typeof v === typeof first)) throw new Error('defaultCollate: mixed element types in batch');
    // as torch's default_collate of Python ints: integer numbers make int64 (class labels), others float32
    return tensor(items as number[], typeof first === 'number' && items.every((v) => Number.isSafeInteger(v)) ? { dtype: 'int64' } : {});
  }
  if (Array.isArray(first)) {
    if (!items.every((v) => Array.isArray(v) && v.length === first.length))
      throw new Error('defaultCollate: each element in the batch should be an array of equal length');
    return first.map((_, j) => defaultCollate(items.map((v) => (v as unknown[])[j])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) out[k] = defaultCollate(items.map((v) => (v as Record<string, unknown>)[k]));
    return out;
  }
  throw new Error(`defaultCollate: batch must contain tensors, numbers, booleans, arrays or plain objects; found ${first === null ? 'null' : typeof first}`);
}

/** The tensors and row indices behind a TensorDataset or (nested) Subset of one, or null. */
function tensorSource(ds: Dataset<unknown>): { tensors: Tensor[]; rows: number[] | null } | null {
  if (ds instanceof TensorDataset) return { tensors: ds.tensors, rows: null };
  if (ds instanceof Subset) {
    const inner = tensorSource(ds.dataset);
    if (!inner) return null;
    const rows = inner.rows;
    return { tensors: inner.tensors, rows: rows ? ds.indices.map((i) => rows[i]) : ds.indices };
  }
  return null;
}

/**
 * Iterates a dataset in batches. With `shuffle`, each epoch (each iteration) uses a new
 * permutation from the loader's seeded generator. For a TensorDataset (or Subset of one) and
 * no custom collate, a batch is one `indexSelect` per tensor. On the generic path the loader
 * does not dispose the items `get(i)` returned (the dataset may own them); the caller owns batches.
 * ```ts
 * const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... }
 * ```
 */
export class DataLoader<T = unknown, B = any> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly gen: Generator | null;
  private readonly collate: ((items: T[]) => B) | null;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (!(dataset instanceof Dataset)) throw new Error('DataLoader: dataset must be a Dataset');
    const { batchSize = 1, shuffle = false, dropLast = false, seed, collate } = opts;
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)
      throw new Error(`DataLoader: batchSize should be a positive integer, got ${typeof batchSize === 'number' ? batchSize : typeof batchSize}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.gen = shuffle ? Generator.fromSeed(seed, 'DataLoader') : null;
    this.collate = collate ?? null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The shuffling generator's state ({ generator: null } without shuffle). Taken between epochs,
   * it makes a resumed run draw the same next permutation. (An epoch's permutation is drawn when
   * its iteration starts, so a state taken mid-epoch already belongs to the next epoch.)
   * ```ts
   * const s = loader.stateDict(); ... ; loader.loadStateDict(s);
   * ```
   */
  stateDict(): { generator: { state: number } | null } { return { generator: this.gen ? this.gen.stateDict() : null }; }
  /** Restores {@link stateDict}'s state; a shuffling state into a loader without shuffle (or the reverse) is refused. */
  loadStateDict(sd: { generator: { state: number } | null }): void {
    if (sd === null || typeof sd !== 'object' || !('generator' in sd))
      throw new Error(`DataLoader.loadStateDict: expected { generator } from stateDict(), got ${showValue(sd)}`);
    if ((sd.generator === null) !== (this.gen === null))
      throw new Error(`DataLoader.loadStateDict: the state is of a loader ${sd.generator === null ? 'without' : 'with'} shuffle, this loader ${this.gen ? 'shuffles' : 'does not shuffle'}`);
    this.gen?.loadStateDict(sd.generator!);
  }

  *[Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    const order = this.gen ? this.gen.permutation(n) : null;
    const src = this.collate ? null : tensorSource(this.dataset);
    for (let b = 0; b < this.length; b++) {
      const start = b * this.batchSize, end = Math.min(n, start + this.batchSize);
      if (src) { yield this.tensorBatch(src, order, start, end) as B; continue; }
      const items: T[] = [];
      for (let k = start; k < end; k++) items.push(this.dataset.get(order ? order[k] : k));
      yield (this.collate ? this.collate(items) : defaultCollate(items)) as B;
    }
  }

  private tensorBatch(src: { tensors: Tensor[]; rows: number[] | null }, order: number[] | null, start: number, end: number): Tensor[] {
    // Unshuffled rows are a contiguous range: one narrow + copy (a copy, so batches never alias the dataset).
    if (!order && !src.rows) return src.tensors.map((t) => { const v = t.narrow(0, start, end - start); const c = v.clone(); v.dispose(); return c; });
    const idx = new BigInt64Array(end - start);
    for (let k = start; k < end; k++) {
      const i = order ? order[k] : k;
      idx[k - start] = BigInt(src.rows ? src.rows[i] : i);
    }
    const it = tensor(idx, { shape: [idx.length], dtype: 'int64' });
    try {
      return src.tensors.map((t) => t.indexSelect(0, it));
    } finally {
      it.dispose();
    }
  }
}
