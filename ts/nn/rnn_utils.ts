// nn.utils.rnn: variable-length batches for the recurrent layers, as torch.nn.utils.rnn.
// A PackedSequence holds the sequences time-major and sorted by length, so step t of an
// RNN runs only the batchSizes[t] sequences still going (no step past a sequence's end).
import { Tensor } from '../tensor';
import { full, tensor } from '../creation';
import { cat, stack } from '../functional';
import { tensorArg, intArg, boolArg, numberArg, choiceArg, optionsArg, showValue, badArg } from '../args';

/**
 * Sequences packed time-major: `data` [sum(lengths), *] holds step 0 of every sequence, then
 * step 1 of those longer than 1, ...; `batchSizes[t]` (int64) is how many run at step t.
 * The sequences are sorted by length, longest first; `sortedIndices[i]` is the original
 * index of sorted sequence i and `unsortedIndices` its inverse (both null when the input
 * was already sorted, as torch's enforceSorted path).
 * ```ts
 * const p = nn.utils.rnn.packSequence([randn(3, 4), randn(2, 4)]);   // p.data [5, 4]
 * ```
 */
export class PackedSequence {
  constructor(readonly data: Tensor, readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null, readonly unsortedIndices: Tensor | null = null) {
    tensorArg('PackedSequence', 'data', data);
    tensorArg('PackedSequence', 'batchSizes', batchSizes);
    if (data.ndim < 1) throw new Error('PackedSequence: data must have at least 1 dimension (the packed steps), got a 0-d tensor');
    const bs = batchSizeList('PackedSequence', batchSizes);
    if (!bs.length) throw new Error('PackedSequence: batchSizes is empty: a packed batch needs at least one step');
    const n = bs.reduce((a, b) => a + b, 0);
    if (n !== data.shape[0]) throw new Error(`PackedSequence: batchSizes sum to ${n} but data has ${data.shape[0]} rows`);
    if ((sortedIndices === null) !== (unsortedIndices === null)) throw new Error('PackedSequence: sortedIndices and unsortedIndices must be given together');
    for (const [what, ix] of [['sortedIndices', sortedIndices], ['unsortedIndices', unsortedIndices]] as const)
      if (ix !== null && (tensorArg('PackedSequence', what, ix).ndim !== 1 || ix.shape[0] !== (bs[0] ?? 0)))
        throw new Error(`PackedSequence: ${what} must be 1-D with ${bs[0] ?? 0} entries (the batch), got [${ix.shape.join(', ')}]`);
  }
  /** The batch sizes as numbers (the layers read them per step). */
  batchSizeList(): number[] { return batchSizeList('PackedSequence', this.batchSizes); }
}

/** batchSizes read back and checked: positive, non-increasing integers. */
function batchSizeList(op: string, t: Tensor): number[] {
  if (t.ndim !== 1 || (t.dtype !== 'int64' && t.dtype !== 'int32')) throw new Error(`${op}: batchSizes must be a 1-D int64 tensor, got ${t.dtype} [${t.shape.join(', ')}]`);
  const bs = Array.from(t.data() as ArrayLike<number | bigint>, Number);
  bs.forEach((b, i) => { if (!(b >= 1) || (i > 0 && b > bs[i - 1])) throw new Error(`${op}: batchSizes must be positive and non-increasing, got ${showValue(bs)}`); });
  return bs;
}

/** Sequence lengths from an array or a 1-D integer tensor, each an integer >= 1. */
function lengthList(op: string, lengths: unknown): number[] {
  let v: unknown[];
  if (lengths instanceof Tensor) {
    tensorArg(op, 'lengths', lengths);
    if (lengths.ndim !== 1) throw new Error(`${op}: lengths must be 1-D, got [${lengths.shape.join(', ')}]`);
    v = Array.from(lengths.data() as ArrayLike<number | bigint>, Number);
  } else if (Array.isArray(lengths)) v = lengths;
  else return badArg(op, 'lengths', 'an array of integers or a 1-D tensor', lengths);
  return v.map((l, i) => {
    if (typeof l !== 'number' || !Number.isSafeInteger(l)) throw new Error(`${op}: lengths[${i}] must be an integer, got ${showValue(l)}`);
    if (l <= 0) throw new Error(`${op}: lengths[${i}] is ${l}: every sequence must have a length greater than 0`);
    return l;
  });
}

const int64 = (v: number[]): Tensor => tensor(BigInt64Array.from(v, (x) => BigInt(x)), { dtype: 'int64', shape: [v.length] });

/** The permutation that sorts lengths longest first; stable, so equal lengths keep their order. */
function sortOrder(lengths: number[]): number[] {
  return lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
}

/**
 * Packs a padded batch [T, B, *] ([B, T, *] with batchFirst) whose sequence b has
 * lengths[b] real steps. With enforceSorted (default) the lengths must be non-increasing;
 * with enforceSorted false they are sorted here and the order is kept in the result.
 * ```ts
 * const p = nn.utils.rnn.packPaddedSequence(x, [5, 2, 3], { batchFirst: true, enforceSorted: false });
 * ```
 */
export function packPaddedSequence(input: Tensor, lengths: number[] | Tensor,
  opts: { batchFirst?: boolean; enforceSorted?: boolean } = {}): PackedSequence {
  const op = 'packPaddedSequence';
  tensorArg(op, 'input', input);
  const o = optionsArg(op, opts);
  const batchFirst = boolArg(op, 'batchFirst', o.batchFirst ?? false), enforceSorted = boolArg(op, 'enforceSorted', o.enforceSorted ?? true);
  if (input.ndim < 2) throw new Error(`${op}: input must have at least 2 dimensions (time and batch), got [${input.shape.join(', ')}]`);
  const len = lengthList(op, lengths);
  const [T, B] = batchFirst ? [input.shape[1], input.shape[0]] : [input.shape[0], input.shape[1]];
  if (len.length !== B) throw new Error(`${op}: expected ${B} lengths (the batch size), got ${len.length}`);
  len.forEach((l, i) => { if (l > T) throw new Error(`${op}: lengths[${i}] is ${l}, longer than the sequence (${T} steps)`); });
  let order: number[] | null = null, sortedLen = len;
  if (enforceSorted) {
    len.forEach((l, i) => { if (i > 0 && l > len[i - 1]) throw new Error(`${op}: lengths must be sorted in decreasing order with enforceSorted, got ${showValue(len)} (pass enforceSorted: false to sort them)`); });
  } else {
    order = sortOrder(len);
    sortedLen = order.map((i) => len[i]);
  }
  const T1 = sortedLen[0];
  const bs = Array.from({ length: T1 }, (_, t) => sortedLen.filter((l) => l > t).length);
  // one gather of the packed rows from the flattened input: its backward is one index_add
  // (a select and narrow per step made a zero-filled input-sized gradient per step)
  const rows: number[] = [];
  for (let t = 0; t < T1; t++) for (let k = 0; k < bs[t]; k++) {
    const b = order === null ? k : order[k];
    rows.push(batchFirst ? b * T + t : t * B + b);
  }
  const data = input.reshape([T * B, ...input.shape.slice(2)]).indexSelect(0, int64(rows));
  if (order === null) return new PackedSequence(data, int64(bs));
  const inv = new Array<number>(order.length);
  order.forEach((o2, i) => { inv[o2] = i; });
  return new PackedSequence(data, int64(bs), int64(order), int64(inv));
}

/**
 * Pads sequences [L_i, *] into one tensor [maxL, B, *] ([B, maxL, *] with batchFirst),
 * filling with paddingValue on the right (or the left with paddingSide 'left').
 * ```ts
 * const x = nn.utils.rnn.padSequence([randn(3, 4), randn(1, 4)], { batchFirst: true });   // [2, 3, 4]
 * ```
 */
export function padSequence(sequences: Tensor[], opts: { batchFirst?: boolean; paddingValue?: number; paddingSide?: 'right' | 'left' } = {}): Tensor {
  const op = 'padSequence';
  const seqs = sequenceList(op, sequences);
  const o = optionsArg(op, opts);
  const batchFirst = boolArg(op, 'batchFirst', o.batchFirst ?? false);
  const value = numberArg(op, 'paddingValue', o.paddingValue ?? 0);
  const side = choiceArg(op, 'paddingSide', o.paddingSide ?? 'right', ['right', 'left'] as const);
  const maxL = Math.max(...seqs.map((s) => s.shape[0]));
  const padded = seqs.map((s) => {
    const n = maxL - s.shape[0];
    if (n === 0) return s;
    const fill = full([n, ...s.shape.slice(1)], value, { dtype: s.dtype });
    return cat(side === 'right' ? [s, fill] : [fill, s], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}

function sequenceList(op: string, sequences: unknown): Tensor[] {
  if (!Array.isArray(sequences) || sequences.length === 0) return badArg(op, 'sequences', 'a non-empty array of tensors', sequences);
  const seqs = sequences.map((s, i) => tensorArg(op, `sequences[${i}]`, s));
  const tail = seqs[0].shape.slice(1).join(',');
  seqs.forEach((s, i) => {
    if (s.ndim < 1) throw new Error(`${op}: sequences[${i}] must have a time dimension, got a 0-d tensor`);
    if (s.shape.slice(1).join(',') !== tail) throw new Error(`${op}: sequences[${i}] has trailing shape [${s.shape.slice(1).join(', ')}], sequences[0] [${seqs[0].shape.slice(1).join(', ')}]`);
    if (s.dtype !== seqs[0].dtype) throw new Error(`${op}: sequences[${i}] is ${s.dtype}, sequences[0] ${seqs[0].dtype}`);
  });
  return seqs;
}

/**
 * Packs a list of sequences [L_i, *] (longest first unless enforceSorted is false).
 * ```ts
 * const p = nn.utils.rnn.packSequence([randn(2, 4), randn(3, 4)], { enforceSorted: false });
 * ```
 */
export function packSequence(sequences: Tensor[], opts: { enforceSorted?: boolean } = {}): PackedSequence {
  const op = 'packSequence';
  const seqs = sequenceList(op, sequences);
  const o = optionsArg(op, opts);
  const enforceSorted = boolArg(op, 'enforceSorted', o.enforceSorted ?? true);
  seqs.forEach((s, i) => { if (s.shape[0] === 0) throw new Error(`${op}: sequences[${i}] is empty: every sequence must have a length greater than 0`); });
  return packPaddedSequence(padSequence(seqs), seqs.map((s) => s.shape[0]), { enforceSorted });
}

/**
 * Unpacks to a padded tensor [T, B, *] ([B, T, *] with batchFirst) in the original batch
 * order, and the lengths (int64). totalLength pads to that many steps (at least the longest).
 * ```ts
 * const [y, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: true });
 * ```
 */
export function padPackedSequence(sequence: PackedSequence, opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number } = {}): [Tensor, Tensor] {
  const op = 'padPackedSequence';
  if (!(sequence instanceof PackedSequence)) badArg(op, 'sequence', 'a PackedSequence', sequence);
  const o = optionsArg(op, opts);
  const batchFirst = boolArg(op, 'batchFirst', o.batchFirst ?? false);
  const value = numberArg(op, 'paddingValue', o.paddingValue ?? 0);
  const bs = sequence.batchSizeList();
  const T = bs.length, B = bs[0] ?? 0, data = tensorArg(op, 'sequence.data', sequence.data);
  const total = o.totalLength === undefined || o.totalLength === null ? T : intArg(op, 'totalLength', o.totalLength);
  if (total < T) throw new Error(`${op}: totalLength ${total} is shorter than the longest sequence (${T} steps)`);
  const tail = data.shape.slice(1), N = data.shape[0];
  const lens = Array.from({ length: B }, (_, i) => bs.filter((b) => b > i).length);
  const offs: number[] = [];
  bs.reduce((o2, b) => { offs.push(o2); return o2 + b; }, 0);
  // sorted position of each output batch entry (unsortedIndices restores the caller's order)
  const pos = sequence.unsortedIndices ? Array.from(sequence.unsortedIndices.data() as ArrayLike<number | bigint>, Number) : lens.map((_, i) => i);
  // one gather from the packed rows plus a padding row (index N): its backward is one index_add
  const idx: number[] = new Array(total * B);
  for (let i = 0; i < B; i++) for (let t = 0; t < total; t++)
    idx[batchFirst ? i * total + t : t * B + i] = t < lens[pos[i]] ? offs[t] + pos[i] : N;
  const ext = cat([data, full([1, ...tail], value, { dtype: data.dtype })], 0);
  const y = ext.indexSelect(0, int64(idx)).reshape(batchFirst ? [B, total, ...tail] : [total, B, ...tail]);
  const lengths = pos.map((s2) => lens[s2]);
  return [y, int64(lengths)];
}
