// Encoder-decoder Transformer for sequence-to-sequence tasks (PyTorch's translation tutorial's
// Seq2SeqTransformer): token embeddings scaled by sqrt(dModel), sinusoidal positions, nn.Transformer,
// a projection to the target vocabulary; teacher-forced forward, greedy decoding and beam search.
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { tensorArg, intArg, numberArg, optionsArg } from '../args';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import { Module } from '../nn/module';
import { Linear } from '../nn/layers';
import { Embedding } from '../nn/embedding';
import { SinusoidalPositionalEncoding } from '../nn/positional';
import { Transformer } from '../nn/transformer_decoder';
import { generateSquareSubsequentMask } from '../nn/attention';
import type { LayerDtype } from '../nn/layer_dtype';

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;
const isInt = (t: Tensor): boolean => t.dtype === 'int64' || t.dtype === 'int32';

export interface Seq2SeqOptions extends LayerDtype {
  dModel?: number; nhead?: number; numEncoderLayers?: number; numDecoderLayers?: number;
  dimFeedforward?: number; dropout?: number;
  /** Longest source or target the position table holds (default 512). */
  maxLen?: number;
  /** Padding id of both vocabularies (default 0): padded positions are masked out of attention. */
  padId?: number;
}
export interface DecodeOptions {
  /** Tokens to generate at most (the begin token not counted). */
  maxLen: number;
  bosId: number;
  eosId: number;
}
export interface BeamOptions extends DecodeOptions {
  beamSize: number;
  /** A finished hypothesis scores sum(log p) / length^lengthPenalty (length counts the end token; default 1). */
  lengthPenalty?: number;
}
export interface Hypothesis { tokens: number[]; score: number; logProb: number }

/**
 * Seq2SeqTransformer(srcVocab, tgtVocab, opts): forward(src [N, S], tgtIn [N, T]) -> logits
 * [N, T, tgtVocab] with the causal target mask and both padding masks (teacher forcing: tgtIn is
 * the target shifted right, starting with the begin token). Keys: src_tok_emb.weight,
 * tgt_tok_emb.weight, transformer.encoder.layers.0.*, ..., generator.*.
 * ```ts
 * const m = new models.Seq2SeqTransformer(14, 14, { dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2 });
 * const out = m.greedyDecode(src, { maxLen: 12, bosId: 1, eosId: 2 });   // number[][]
 * ```
 */
export class Seq2SeqTransformer extends Module {
  src_tok_emb: Embedding;
  tgt_tok_emb: Embedding;
  positional_encoding: SinusoidalPositionalEncoding;
  transformer: Transformer;
  generator: Linear;
  readonly dModel: number;
  readonly padId: number;
  readonly maxLen: number;
  constructor(readonly srcVocab: number, readonly tgtVocab: number, opts: Seq2SeqOptions = {}) {
    super();
    const op = 'Seq2SeqTransformer';
    const o = optionsArg(op, opts);
    intArg(op, 'srcVocab', srcVocab, 1);
    intArg(op, 'tgtVocab', tgtVocab, 1);
    this.dModel = o.dModel == null ? 128 : intArg(op, 'dModel', o.dModel, 1);
    const nhead = o.nhead == null ? 4 : intArg(op, 'nhead', o.nhead, 1);
    if (this.dModel % nhead !== 0) throw new Error(`${op}: dModel ${this.dModel} is not divisible by nhead ${nhead}`);
    this.padId = o.padId == null ? 0 : intArg(op, 'padId', o.padId, 0);
    if (this.padId >= Math.min(srcVocab, tgtVocab)) throw new Error(`${op}: padId ${this.padId} is out of range for the vocabularies (${srcVocab}, ${tgtVocab})`);
    this.maxLen = o.maxLen == null ? 512 : intArg(op, 'maxLen', o.maxLen, 1);
    const dropout = o.dropout == null ? 0.1 : numberArg(op, 'dropout', o.dropout, 0);
    const dtype = o.dtype;   // float64 builds the sinusoid table in float64 (a float32 table cast later keeps float32's rounding)
    this.src_tok_emb = new Embedding(srcVocab, this.dModel, { dtype });
    this.tgt_tok_emb = new Embedding(tgtVocab, this.dModel, { dtype });
    this.positional_encoding = new SinusoidalPositionalEncoding(this.dModel, this.maxLen, { dropout, batchFirst: true, dtype });
    this.transformer = new Transformer({
      dModel: this.dModel, nhead, numEncoderLayers: o.numEncoderLayers ?? 3, numDecoderLayers: o.numDecoderLayers ?? 3,
      dimFeedforward: o.dimFeedforward ?? 4 * this.dModel, dropout, batchFirst: true, dtype,
    });
    this.generator = new Linear(this.dModel, tgtVocab, { dtype });
  }
  private checkIds(op: string, what: string, x: unknown, vocab: number): Tensor {
    const t = tensorArg(op, what, x);
    if (t.ndim !== 2 || !isInt(t)) throw new Error(`${op}: ${what} must be an int64 [N, L] tensor, got ${t.dtype} ${shapeStr(t.shape)}`);
    if (t.shape[1] < 1) throw new Error(`${op}: ${what} ${shapeStr(t.shape)} has no tokens`);
    if (t.shape[1] > this.maxLen) throw new Error(`${op}: ${what} length ${t.shape[1]} is longer than the position table's maxLen ${this.maxLen}`);
    const lo = Number(t.min().item()), hi = Number(t.max().item());
    if (lo < 0 || hi >= vocab) throw new Error(`${op}: ${what} holds token id ${lo < 0 ? lo : hi}, out of range for vocabulary size ${vocab}`);
    return t;
  }
  private embed(emb: Embedding, ids: Tensor): Tensor { return this.positional_encoding.forward(emb.forward(ids).mul(Math.sqrt(this.dModel))); }
  /** memory [N, S, dModel] of src [N, S] and its padding mask (true = pad). */
  encode(src: Tensor): { memory: Tensor; srcPad: Tensor } {
    const s = this.checkIds('Seq2SeqTransformer.encode', 'src', src, this.srcVocab);
    const srcPad = s.eq(this.padId);
    const memory = this.transformer.encoder.forward(this.embed(this.src_tok_emb, s), { srcKeyPaddingMask: srcPad }) as Tensor;
    return { memory, srcPad };
  }
  /** logits [N, T, tgtVocab] of tgtIn [N, T] given the encoder's memory. */
  decode(tgtIn: Tensor, memory: Tensor, srcPad: Tensor | null): Tensor {
    const t = this.checkIds('Seq2SeqTransformer.decode', 'tgt', tgtIn, this.tgtVocab);
    const T = t.shape[1];
    const h = this.transformer.decoder.forward(this.embed(this.tgt_tok_emb, t), memory, {
      tgtMask: generateSquareSubsequentMask(T), tgtIsCausal: true, memoryKeyPaddingMask: srcPad, tgtKeyPaddingMask: t.eq(this.padId),
    }) as Tensor;
    return this.generator.forward(h);
  }
  forward(src: Tensor, tgtIn: Tensor): Tensor {
    tensorArg('Seq2SeqTransformer', 'src', src);
    tensorArg('Seq2SeqTransformer', 'tgtIn', tgtIn);
    if (src.ndim === 2 && tgtIn.ndim === 2 && src.shape[0] !== tgtIn.shape[0])
      throw new Error(`Seq2SeqTransformer: src ${shapeStr(src.shape)} and tgtIn ${shapeStr(tgtIn.shape)} have different batch sizes`);
    const { memory, srcPad } = this.encode(src);
    return this.decode(tgtIn, memory, srcPad);
  }
  private decodeArgs(op: string, o: DecodeOptions): void {
    optionsArg(op, o);
    intArg(op, 'maxLen', o.maxLen, 1);
    intArg(op, 'bosId', o.bosId, 0);
    intArg(op, 'eosId', o.eosId, 0);
    if (o.bosId >= this.tgtVocab || o.eosId >= this.tgtVocab) throw new Error(`${op}: bosId ${o.bosId} / eosId ${o.eosId} out of range for tgtVocab ${this.tgtVocab}`);
    if (o.maxLen + 1 > this.maxLen) throw new Error(`${op}: maxLen ${o.maxLen} (plus the begin token) is longer than the position table's maxLen ${this.maxLen}`);
  }
  /**
   * Greedy decoding in eval mode: each row starts with bosId and appends its argmax token until
   * eosId (included) or maxLen tokens; returns the generated ids of each row (bosId left out).
   */
  greedyDecode(src: Tensor, opts: DecodeOptions): number[][] {
    const op = 'Seq2SeqTransformer.greedyDecode';
    this.decodeArgs(op, opts);
    const was = this.training;
    this.eval();
    try {
      return noGrad(() => tidy(() => {
        const { memory, srcPad } = this.encode(src);
        const N = memory.shape[0];
        const seqs = Array.from({ length: N }, () => [opts.bosId]);
        const done = new Array<boolean>(N).fill(false);
        for (let step = 0; step < opts.maxLen && done.some((d) => !d); step++) {
          const next = tidy(() => {
            const logits = this.decode(tensor(seqs.flat(), { dtype: 'int64' }).reshape([N, step + 1]), memory, srcPad);
            return Array.from(logits.select(1, step).argmax(-1).data() as ArrayLike<number | bigint>, Number);
          });
          // finished rows keep being fed (a batch is one length) but their tokens are not kept
          for (let i = 0; i < N; i++) { seqs[i].push(done[i] ? opts.eosId : next[i]); if (next[i] === opts.eosId) done[i] = true; }
        }
        return seqs.map((s) => { const g = s.slice(1); const e = g.indexOf(opts.eosId); return e < 0 ? g : g.slice(0, e + 1); });
      }));
    } finally { this.train(was); }
  }
  /**
   * Beam search per source row, in eval mode. Each step extends every live hypothesis by every
   * token and keeps the beamSize best by summed log-probability; one ending in eosId is finished
   * and scored sum(log p) / length^lengthPenalty. It stops when beamSize hypotheses have finished
   * or none is live; at maxLen the live ones count as finished. With beamSize 1 it is greedy decoding.
   * Returns each row's best hypothesis (bosId left out).
   */
  beamSearch(src: Tensor, opts: BeamOptions): Hypothesis[] {
    const op = 'Seq2SeqTransformer.beamSearch';
    this.decodeArgs(op, opts);
    const K = intArg(op, 'beamSize', opts.beamSize, 1);
    const lp = opts.lengthPenalty == null ? 1 : numberArg(op, 'lengthPenalty', opts.lengthPenalty);
    if (!Number.isFinite(lp)) throw new Error(`${op}: lengthPenalty must be finite, got ${lp}`);
    const s = tensorArg(op, 'src', src);
    const was = this.training;
    this.eval();
    try {
      return noGrad(() => tidy(() => {
        const { memory, srcPad } = this.encode(s);
        const out: Hypothesis[] = [];
        for (let r = 0; r < memory.shape[0]; r++) out.push(tidy(() => this.beamOne(memory.narrow(0, r, 1), srcPad.narrow(0, r, 1), opts, K, lp)));
        return out;
      }));
    } finally { this.train(was); }
  }
  private beamOne(memory: Tensor, srcPad: Tensor, o: BeamOptions, K: number, lp: number): Hypothesis {
    const V = this.tgtVocab;
    const norm = (logProb: number, len: number): number => logProb / Math.pow(len, lp);
    let live: { tokens: number[]; logProb: number }[] = [{ tokens: [o.bosId], logProb: 0 }];
    const finished: Hypothesis[] = [];
    for (let step = 0; step < o.maxLen && live.length > 0 && finished.length < K; step++) {
      const B = live.length, L = step + 1;
      const logp = tidy(() => {
        const ids = tensor(live.flatMap((h) => h.tokens), { dtype: 'int64' }).reshape([B, L]);
        const logits = this.decode(ids, memory.expand([B, ...memory.shape.slice(1)]), srcPad.expand([B, srcPad.shape[1]]));
        return Float64Array.from(logits.select(1, step).to('float64').logSoftmax(-1).data() as Float64Array);
      });
      const cand: { b: number; v: number; lp: number }[] = [];
      for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) cand.push({ b, v, lp: live[b].logProb + logp[b * V + v] });
      cand.sort((x, y) => y.lp - x.lp);   // stable: ties keep (beam, token) order, as argmax's first index
      const next: typeof live = [];
      for (const c of cand.slice(0, K)) {
        const tokens = [...live[c.b].tokens, c.v];
        if (c.v === o.eosId) finished.push({ tokens: tokens.slice(1), logProb: c.lp, score: norm(c.lp, tokens.length - 1) });
        else next.push({ tokens, logProb: c.lp });
      }
      live = next;
    }
    if (finished.length < K) for (const h of live) finished.push({ tokens: h.tokens.slice(1), logProb: h.logProb, score: norm(h.logProb, h.tokens.length - 1) });
    let best = finished[0];
    for (const h of finished) if (h.score > best.score) best = h;
    return best;
  }
}
