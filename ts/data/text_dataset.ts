// Token-stream datasets for sequence models: language-model windows, padded batches with
// lengths (a DataLoader collate), and train/validation/test index splits repeatable under a seed.
import { tensor } from '../creation';
import { Tensor } from '../tensor';
import { Dataset } from './dataset';
import { defaultCollate } from './dataloader';
import { Generator } from './random';

/** How a bad value looks in a message. */
const show = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? `an array of length ${v.length}` : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v)
    : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v === 'object' ? `an object (${Object.prototype.toString.call(v).slice(8, -1)})` : typeof v;

const posInt = (who: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${who}: ${name} must be an integer >= 1, got ${show(v)}`);
  return v;
};

/**
 * A sequence of token ids (an array or integer typed array, or a 1-d integer Tensor), copied into
 * an Int32Array after checking each id is an integer in [0, 2^31).
 */
function tokenArray(who: string, what: string, v: unknown): Int32Array {
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`${who}: ${what} is a disposed tensor`);
    if (v.ndim !== 1) throw new Error(`${who}: ${what} must be a 1-d tensor of token ids, got shape [${v.shape.join(', ')}]`);
    if (!['int64', 'int32', 'uint8', 'int16', 'int8'].includes(v.dtype)) throw new Error(`${who}: ${what} must be an integer tensor, got ${v.dtype}`);
    const d = v.data() as ArrayLike<number | bigint>;
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      if (x < 0 || x > 0x7fffffff) throw new Error(`${who}: ${what}[${i}] = ${x} is not a token id (0 <= id < 2^31)`);
      out[i] = Number(x);
    }
    return out;
  }
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof Float32Array) && !(v instanceof Float64Array)))
    throw new Error(`${who}: ${what} must be an array of token ids, an integer typed array or a 1-d integer tensor, got ${show(v)}`);
  const a = v as ArrayLike<number | bigint>;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if ((typeof x !== 'number' || !Number.isInteger(x)) && typeof x !== 'bigint') throw new Error(`${who}: ${what}[${i}] must be an integer token id, got ${show(x)}`);
    if (x < 0 || x > 0x7fffffff) throw new Error(`${who}: ${what}[${i}] = ${x} is not a token id (0 <= id < 2^31)`);
    out[i] = Number(x);
  }
  return out;
}

export interface TextDatasetOptions {
  /** Tokens per window (input and target alike). */
  seqLen: number;
  /** Tokens between window starts (default seqLen: windows that do not overlap). */
  stride?: number;
}

/**
 * Language-model windows over one token stream: item i is `[input, target]`, two int64 tensors
 * of `seqLen` ids, input = tokens[s .. s+seqLen), target = tokens[s+1 .. s+seqLen+1) (the next
 * token at each position), s = i * stride. Windows whose target would run past the end are
 * left out, so there are floor((n - seqLen - 1) / stride) + 1 of them (0 when n <= seqLen).
 * ```ts
 * const ds = new data.TextDataset(tok.encode(corpus), { seqLen: 128 });
 * for (const [x, y] of new data.DataLoader(ds, { batchSize: 32, shuffle: true, seed: 0 })) { ... } // [32, 128] int64
 * ```
 */
export class TextDataset extends Dataset<[Tensor, Tensor]> {
  readonly seqLen: number;
  readonly stride: number;
  /** The token stream (a private copy). */
  readonly tokens: Int32Array;

  constructor(tokens: ArrayLike<number> | Tensor, opts: TextDatasetOptions) {
    super();
    const who = 'TextDataset';
    if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options { seqLen, stride? } are required, got ${show(opts)}`);
    this.tokens = tokenArray(who, 'tokens', tokens);
    this.seqLen = posInt(who, 'seqLen', opts.seqLen);
    this.stride = opts.stride === undefined ? this.seqLen : posInt(who, 'stride', opts.stride);
  }

  get length(): number {
    const n = this.tokens.length;
    return n <= this.seqLen ? 0 : Math.floor((n - this.seqLen - 1) / this.stride) + 1;
  }

  get(i: number): [Tensor, Tensor] {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= this.length)
      throw new Error(`TextDataset: index ${show(i)} out of range for length ${this.length}`);
    const s = i * this.stride;
    return [
      tensor(this.tokens.subarray(s, s + this.seqLen), { dtype: 'int64' }),
      tensor(this.tokens.subarray(s + 1, s + this.seqLen + 1), { dtype: 'int64' }),
    ];
  }

  /**
   * Every window at once: `{ inputs, targets }`, int64 [length, seqLen] each. Wrapped in a
   * TensorDataset they take the DataLoader's one-indexSelect-per-batch path.
   */
  windows(): { inputs: Tensor; targets: Tensor } {
    const n = this.length, T = this.seqLen;
    const x = new Int32Array(n * T), y = new Int32Array(n * T);
    for (let i = 0; i < n; i++) {
      const s = i * this.stride;
      x.set(this.tokens.subarray(s, s + T), i * T);
      y.set(this.tokens.subarray(s + 1, s + T + 1), i * T);
    }
    return { inputs: tensor(x, { shape: [n, T], dtype: 'int64' }), targets: tensor(y, { shape: [n, T], dtype: 'int64' }) };
  }
}

export interface PadBatchOptions {
  /** The id written past each sequence's end (default 0, '<pad>' in WordTokenizer's default specials). */
  paddingValue?: number;
  /** Order rows by length, longest first (what packPaddedSequence's enforceSorted wants); default false. */
  sort?: boolean;
}

export interface PaddedBatch {
  /** int64 [B, Tmax]: row b holds sequence b, then paddingValue. */
  padded: Tensor;
  /** Each row's length (before padding). */
  lengths: number[];
  /** With `sort`: row b is input sequence sortedIndices[b]. Without: 0..B-1. */
  sortedIndices: number[];
}

/**
 * Pads variable-length token sequences into one int64 batch, batch first (as PyTorch's
 * pad_sequence(batch_first=True)), with the lengths a packed RNN needs.
 * ```ts
 * const { padded, lengths } = data.padBatch([[5, 6, 7], [8]]); // [[5, 6, 7], [8, 0, 0]], [3, 1]
 * ```
 */
export function padBatch(seqs: (ArrayLike<number> | Tensor)[], opts: PadBatchOptions = {}): PaddedBatch {
  const who = 'padBatch';
  if (!Array.isArray(seqs)) throw new Error(`${who}: expected an array of sequences, got ${show(seqs)}`);
  if (seqs.length === 0) throw new Error(`${who}: empty batch`);
  if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
  const pad = opts.paddingValue ?? 0;
  if (typeof pad !== 'number' || !Number.isInteger(pad) || pad < 0 || pad > 0x7fffffff) throw new Error(`${who}: paddingValue must be an integer id >= 0, got ${show(pad)}`);
  if (opts.sort !== undefined && typeof opts.sort !== 'boolean') throw new Error(`${who}: sort must be a boolean, got ${show(opts.sort)}`);
  const rows = seqs.map((s, i) => tokenArray(who, `sequence ${i}`, s));
  const order = rows.map((_, i) => i);
  // stable: equal lengths keep their input order, so a batch's row order is repeatable
  if (opts.sort) order.sort((a, b) => rows[b].length - rows[a].length || a - b);
  const T = rows.reduce((m, r) => Math.max(m, r.length), 0);   // no spread: a batch may be large
  const out = new Int32Array(rows.length * T).fill(pad);
  order.forEach((src, b) => out.set(rows[src], b * T));
  return { padded: tensor(out, { shape: [rows.length, T], dtype: 'int64' }), lengths: order.map((i) => rows[i].length), sortedIndices: order };
}

/**
 * A DataLoader `collate` for variable-length items. Items that are sequences give
 * `{ padded, lengths, sortedIndices }`; items that are `[sequence, label]` pairs (e.g. a
 * classifier's `[tokenIds, 1]`) also give `labels`, collated as defaultCollate does and in the
 * rows' order.
 * ```ts
 * const loader = new data.DataLoader(ds, { batchSize: 32, collate: data.padCollate({ sort: true }) });
 * for (const { padded, lengths, labels } of loader) { ... }
 * ```
 */
export function padCollate(opts: PadBatchOptions = {}): (items: unknown[]) => PaddedBatch & { labels?: unknown } {
  if (opts === null || typeof opts !== 'object') throw new Error(`padCollate: options must be an object, got ${show(opts)}`);
  return (items: unknown[]) => {
    if (!Array.isArray(items) || items.length === 0) throw new Error(`padCollate: expected a non-empty array of items, got ${show(items)}`);
    const pair = (v: unknown) => Array.isArray(v) && v.length === 2 && (Array.isArray(v[0]) || ArrayBuffer.isView(v[0]) || v[0] instanceof Tensor);
    if (!pair(items[0])) return padBatch(items as ArrayLike<number>[], opts);
    items.forEach((it, i) => { if (!pair(it)) throw new Error(`padCollate: item ${i} is not a [sequence, label] pair like item 0`); });
    const b = padBatch(items.map((it) => (it as unknown[])[0] as ArrayLike<number>), opts);
    return { ...b, labels: defaultCollate(b.sortedIndices.map((i) => (items[i] as unknown[])[1])) };
  };
}

/**
 * Splits 0..n-1 into disjoint random index lists, repeatable under `seed`. `sizes` are
 * fractions summing to 1 or counts summing to n, as randomSplit's lengths (with the same seed,
 * the same split: randomSplit's subsets hold these indices).
 * ```ts
 * const [train, val, test] = data.splitIndices(corpus.length, [0.8, 0.1, 0.1], 0);
 * ```
 */
export function splitIndices(n: number, sizes: number[], seed?: number): number[][] {
  const who = 'splitIndices';
  // the permutation is a JS array: at most 2^32 - 1 entries
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new Error(`${who}: n must be an integer in [0, 2^32 - 1], got ${show(n)}`);
  if (!Array.isArray(sizes) || sizes.length === 0) throw new Error(`${who}: sizes must be a non-empty array of fractions or counts, got ${show(sizes)}`);
  sizes.forEach((s, i) => { if (typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s)) throw new Error(`${who}: sizes[${i}] must be a number >= 0, got ${show(s)}`); });
  const sum = sizes.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (sizes.every(Number.isInteger) && sum === n) counts = [...sizes];
  else if (Math.abs(sum - 1) < 1e-9) {
    // floor, then one each to the first splits until all n are placed (torch's random_split rule)
    counts = sizes.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else throw new Error(`${who}: sizes must be fractions summing to 1 or counts summing to n = ${n}, got [${sizes.join(', ')}] (sum ${sum})`);
  const perm = Generator.fromSeed(seed, who).permutation(n);
  const out: number[][] = [];
  let off = 0;
  for (const c of counts) { out.push(perm.slice(off, off + c)); off += c; }
  return out;
}
