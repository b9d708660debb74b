// BERT-style encoder (Devlin et al. 2018) on nn.TransformerEncoder: token + learned position +
// segment embeddings, a post-norm gelu encoder, the masked-LM head tied to the token embedding,
// the [CLS]-pooled classifier, BERT's 15% / 80-10-10 masking and a word tokenizer with BERT's specials.
import { Tensor } from '../tensor';
import { tensor, arange } from '../creation';
import { tensorArg, intArg, numberArg, optionsArg, showValue } from '../args';
import { Module, Parameter } from '../nn/module';
import { Linear, Dropout, LayerNorm } from '../nn/layers';
import { Embedding } from '../nn/embedding';
import { TransformerEncoder, TransformerEncoderLayer } from '../nn/transformer';
import * as init from '../nn/init';
import { crossEntropy } from '../nn/functional';
import { noGrad } from '../autograd/engine';
import { WordTokenizer } from '../text/word';
import { Generator } from '../data/random';

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;
const isInt = (t: Tensor): boolean => t.dtype === 'int64' || t.dtype === 'int32';

export interface BertConfig {
  vocabSize: number;
  /** Width of every layer (default 256). */
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  /** Feed-forward width (default 4 * hiddenSize). */
  intermediateSize?: number;
  /** Longest input the position table holds (default 512). */
  maxPositions?: number;
  /** Segment (token type) count; 0 leaves the segment embedding out (default 2). */
  typeVocabSize?: number;
  /** Dropout on embeddings, attention and feed-forward (default 0.1). */
  dropout?: number;
  layerNormEps?: number;
  /** The padding id (its embedding row gets no gradient; default 0, BERT's [PAD]). */
  padId?: number;
}
export interface BertForwardOptions {
  /** [N, S] int segment ids (default all 0). */
  tokenTypeIds?: Tensor | null;
  /** [N, S] as Hugging Face's: 1 (or true) for real tokens, 0 for padding. */
  attentionMask?: Tensor | null;
}

function configOf(op: string, c: unknown): Required<BertConfig> {
  const o = optionsArg(op, c as BertConfig);
  const vocabSize = intArg(op, 'vocabSize', o.vocabSize, 1);
  const hiddenSize = o.hiddenSize == null ? 256 : intArg(op, 'hiddenSize', o.hiddenSize, 1);
  const numHeads = o.numHeads == null ? 4 : intArg(op, 'numHeads', o.numHeads, 1);
  if (hiddenSize % numHeads !== 0) throw new Error(`${op}: hiddenSize ${hiddenSize} is not divisible by numHeads ${numHeads}`);
  const dropout = o.dropout == null ? 0.1 : numberArg(op, 'dropout', o.dropout, 0);
  if (dropout > 1) throw new Error(`${op}: dropout must be between 0 and 1, got ${dropout}`);
  const padId = o.padId == null ? 0 : intArg(op, 'padId', o.padId, 0);
  if (padId >= vocabSize) throw new Error(`${op}: padId ${padId} is out of range for vocabSize ${vocabSize}`);
  return {
    vocabSize, hiddenSize, numHeads, dropout, padId,
    numLayers: o.numLayers == null ? 4 : intArg(op, 'numLayers', o.numLayers, 1),
    intermediateSize: o.intermediateSize == null ? 4 * hiddenSize : intArg(op, 'intermediateSize', o.intermediateSize, 1),
    maxPositions: o.maxPositions == null ? 512 : intArg(op, 'maxPositions', o.maxPositions, 1),
    typeVocabSize: o.typeVocabSize == null ? 2 : intArg(op, 'typeVocabSize', o.typeVocabSize, 0),
    layerNormEps: o.layerNormEps == null ? 1e-12 : numberArg(op, 'layerNormEps', o.layerNormEps, 0),
  };
}

/** BERT's init: every Linear and Embedding weight N(0, 0.02), biases 0, LayerNorm 1 and 0; the pad row 0. */
function bertInit(m: Module, padId: number): void {
  for (const [name, p] of m.namedParameters()) {
    if (/(^|\.)(LayerNorm|norm\d?)\.weight$/.test(name)) init.ones_(p);
    else if (p.ndim === 1) init.zeros_(p);
    else init.normal_(p, 0, 0.02);
  }
  noGrad(() => { for (const sub of m.modules()) if (sub instanceof Embedding && sub.paddingIdx !== null) sub.weight.narrow(0, sub.paddingIdx, 1).zero_(); });
  void padId;
}

/** Word, position and segment embeddings summed, then LayerNorm and dropout (HF's BertEmbeddings keys). */
export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding | null;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  constructor(readonly config: Required<BertConfig>) {
    super();
    const c = config;
    this.word_embeddings = new Embedding(c.vocabSize, c.hiddenSize, { paddingIdx: c.padId });
    this.position_embeddings = new Embedding(c.maxPositions, c.hiddenSize);
    this.token_type_embeddings = c.typeVocabSize > 0 ? new Embedding(c.typeVocabSize, c.hiddenSize) : null;
    this.LayerNorm = new LayerNorm(c.hiddenSize, c.layerNormEps);
    this.dropout = new Dropout(c.dropout);
  }
  forward(inputIds: Tensor, tokenTypeIds?: Tensor | null): Tensor {
    const S = inputIds.shape[1];
    const pos = arange(S, undefined, 1, { dtype: 'int64' });
    let h = this.word_embeddings.forward(inputIds).add(this.position_embeddings.forward(pos));
    if (this.token_type_embeddings) h = h.add(this.token_type_embeddings.forward(tokenTypeIds ?? pos.mul(0)));
    return this.dropout.forward(this.LayerNorm.forward(h));
  }
}

/** tanh(dense(h[:, 0])): the [CLS] summary (HF's BertPooler). */
export class BertPooler extends Module {
  dense: Linear;
  constructor(hidden: number) { super(); this.dense = new Linear(hidden, hidden); }
  forward(seq: Tensor): Tensor { return this.dense.forward(seq.select(1, 0)).tanh(); }
}

/**
 * The BERT encoder: embeddings, then numLayers post-norm gelu encoder layers (batch first).
 * forward(inputIds [N, S] int64, { tokenTypeIds, attentionMask }) -> [N, S, hiddenSize].
 * Keys: embeddings.word_embeddings.weight, ..., encoder.layers.0.self_attn.in_proj_weight, ..., pooler.dense.*.
 * ```ts
 * const bert = new models.Bert({ vocabSize: 5000, hiddenSize: 128, numLayers: 2, numHeads: 4 });
 * const h = bert.forward(ids, { attentionMask });   // [N, S, 128]
 * ```
 */
export class Bert extends Module {
  embeddings: BertEmbeddings;
  encoder: TransformerEncoder;
  pooler: BertPooler;
  readonly config: Required<BertConfig>;
  constructor(config: BertConfig) {
    super();
    const c = (this.config = configOf('Bert', config));
    this.embeddings = new BertEmbeddings(c);
    const layer = new TransformerEncoderLayer(c.hiddenSize, c.numHeads, {
      dimFeedforward: c.intermediateSize, dropout: c.dropout, activation: 'gelu', layerNormEps: c.layerNormEps, batchFirst: true,
    });
    this.encoder = new TransformerEncoder(layer, c.numLayers);
    this.pooler = new BertPooler(c.hiddenSize);
    bertInit(this, c.padId);
  }
  /** Checks ids and masks against the model: a named Error for each mistake. */
  checkInputs(op: string, inputIds: unknown, o: BertForwardOptions): { ids: Tensor; pad: Tensor | null } {
    const ids = tensorArg(op, 'inputIds', inputIds);
    const c = this.config;
    if (ids.ndim !== 2 || !isInt(ids)) throw new Error(`${op}: inputIds must be an int64 [N, S] tensor, got ${ids.dtype} ${shapeStr(ids.shape)}`);
    const [N, S] = ids.shape;
    if (S < 1) throw new Error(`${op}: inputIds ${shapeStr(ids.shape)} has no tokens`);
    if (S > c.maxPositions) throw new Error(`${op}: sequence length ${S} is longer than the position table's maxPositions ${c.maxPositions}`);
    if (ids.numel() > 0) {
      const lo = Number(ids.min().item()), hi = Number(ids.max().item());
      if (lo < 0 || hi >= c.vocabSize) throw new Error(`${op}: token id ${lo < 0 ? lo : hi} is out of range for vocabSize ${c.vocabSize}`);
    }
    if (o.tokenTypeIds != null) {
      const t = tensorArg(op, 'tokenTypeIds', o.tokenTypeIds);
      if (!isInt(t) || t.ndim !== 2 || t.shape[0] !== N || t.shape[1] !== S)
        throw new Error(`${op}: tokenTypeIds must be int64 ${shapeStr([N, S])} as inputIds, got ${t.dtype} ${shapeStr(t.shape)}`);
      if (c.typeVocabSize === 0) throw new Error(`${op}: tokenTypeIds given but the model has no segment embedding (typeVocabSize 0)`);
      const hi = Number(t.max().item()), lo = Number(t.min().item());
      if (lo < 0 || hi >= c.typeVocabSize) throw new Error(`${op}: token type id ${lo < 0 ? lo : hi} is out of range for typeVocabSize ${c.typeVocabSize}`);
    }
    let pad: Tensor | null = null;
    if (o.attentionMask != null) {
      const m = tensorArg(op, 'attentionMask', o.attentionMask);
      if (m.ndim !== 2 || m.shape[0] !== N || m.shape[1] !== S)
        throw new Error(`${op}: attentionMask ${shapeStr(m.shape)} does not fit inputIds ${shapeStr([N, S])}`);
      pad = m.eq(0);   // HF's 1 = keep becomes torch's key padding mask (true = ignore)
    }
    return { ids, pad };
  }
  forward(inputIds: Tensor, fo: BertForwardOptions = {}): Tensor {
    const o = optionsArg('Bert', fo);
    const { ids, pad } = this.checkInputs('Bert', inputIds, o);
    return this.encoder.forward(this.embeddings.forward(ids, o.tokenTypeIds), { srcKeyPaddingMask: pad });
  }
}

/** dense, gelu, LayerNorm (HF's BertPredictionHeadTransform). */
export class BertHeadTransform extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  constructor(hidden: number, eps: number) { super(); this.dense = new Linear(hidden, hidden); this.LayerNorm = new LayerNorm(hidden, eps); }
  forward(x: Tensor): Tensor { return this.LayerNorm.forward(this.dense.forward(x).gelu()); }
}
/** transform, then the decoder whose weight IS the token embedding (tied), plus its own bias. */
export class BertLMHead extends Module {
  transform: BertHeadTransform;
  decoder: Linear;
  constructor(hidden: number, eps: number, wordEmbedding: Parameter) {
    super();
    this.transform = new BertHeadTransform(hidden, eps);
    this.decoder = new Linear(hidden, wordEmbedding.shape[0]);
    this.decoder.weight = wordEmbedding;   // tied: one parameter, both gradients accumulate into it
    init.zeros_(this.decoder.bias!);
  }
  forward(h: Tensor): Tensor {
    const [N, S, H] = h.shape;
    return this.decoder.forward(this.transform.forward(h.reshape([N * S, H]))).reshape([N, S, -1]);
  }
}

/** Checks labels (int, same shape, each in [0, classes) or ignoreIndex) and returns them. */
function checkLabels(op: string, labels: unknown, shape: readonly number[], classes: number, ignoreIndex: number | null): Tensor {
  const y = tensorArg(op, 'labels', labels);
  if (!isInt(y)) throw new Error(`${op}: labels must be int64, got ${y.dtype}`);
  if (y.ndim !== shape.length || y.shape.some((d, i) => d !== shape[i])) throw new Error(`${op}: labels ${shapeStr(y.shape)} do not fit ${shapeStr(shape)}`);
  const d = Array.from(y.data() as ArrayLike<number | bigint>, Number);
  const bad = d.find((v) => (v < 0 || v >= classes) && v !== ignoreIndex);
  if (bad !== undefined) throw new Error(`${op}: label ${bad} is out of range for ${classes} classes${ignoreIndex !== null ? ` (or ${ignoreIndex} to ignore)` : ''}`);
  return y;
}

/**
 * Bert with the masked-language-model head: logits [N, S, vocabSize] over every position.
 * Keys: bert.*, cls.transform.*, cls.decoder.bias (cls.decoder.weight is bert.embeddings.word_embeddings.weight).
 * ```ts
 * const mlm = new models.BertForMaskedLM({ vocabSize: V, hiddenSize: 128, numLayers: 2, numHeads: 4 });
 * const { inputIds, labels } = models.maskTokens(rows, { vocabSize: V, maskId, specialIds, generator });
 * const loss = mlm.loss(mlm.forward(inputIds), labels);   // labels -100 where not masked
 * ```
 */
export class BertForMaskedLM extends Module {
  bert: Bert;
  cls: BertLMHead;
  constructor(config: BertConfig) {
    super();
    this.bert = new Bert(config);
    const c = this.bert.config;
    this.cls = new BertLMHead(c.hiddenSize, c.layerNormEps, this.bert.embeddings.word_embeddings.weight);
    bertInit(this.cls, c.padId);
    // the head's init redrew the tied decoder weight, the token embedding: its [PAD] row back to 0 (as HF's init)
    noGrad(() => { this.bert.embeddings.word_embeddings.weight.narrow(0, c.padId, 1).zero_(); });
  }
  forward(inputIds: Tensor, fo: BertForwardOptions = {}): Tensor { return this.cls.forward(this.bert.forward(inputIds, fo)); }
  /** Mean cross entropy over positions whose label is not -100. */
  loss(logits: Tensor, labels: Tensor): Tensor {
    const V = this.bert.config.vocabSize;
    const y = checkLabels('BertForMaskedLM.loss', labels, logits.shape.slice(0, 2), V, -100);
    return crossEntropy(logits.reshape([-1, V]), y.reshape([-1]), { ignoreIndex: -100 });
  }
}

/**
 * Bert, the pooled [CLS] vector, dropout and a Linear to numLabels logits.
 * Keys: bert.*, classifier.*.
 * ```ts
 * const clf = new models.BertForSequenceClassification({ vocabSize: V, numLabels: 2 });
 * clf.bert.loadStateDict(pretrained.bert.stateDict());   // start from MLM pretraining
 * ```
 */
export class BertForSequenceClassification extends Module {
  bert: Bert;
  dropout: Dropout;
  classifier: Linear;
  readonly numLabels: number;
  constructor(config: BertConfig & { numLabels?: number }) {
    super();
    this.bert = new Bert(config);
    const c = this.bert.config;
    this.numLabels = config.numLabels == null ? 2 : intArg('BertForSequenceClassification', 'numLabels', config.numLabels, 1);
    this.dropout = new Dropout(c.dropout);
    this.classifier = new Linear(c.hiddenSize, this.numLabels);
    bertInit(this.classifier, c.padId);
  }
  forward(inputIds: Tensor, fo: BertForwardOptions = {}): Tensor {
    return this.classifier.forward(this.dropout.forward(this.bert.pooler.forward(this.bert.forward(inputIds, fo))));
  }
  loss(logits: Tensor, labels: Tensor): Tensor {
    const y = checkLabels('BertForSequenceClassification.loss', labels, [logits.shape[0]], this.numLabels, null);
    return crossEntropy(logits, y);
  }
}

/** BERT's special tokens, in vocabulary order ([PAD] is id 0). */
export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * A WordTokenizer whose vocabulary starts with [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0-4), [UNK] the unknown.
 * ```ts
 * const tok = models.bertWordTokenizer(texts, { minFreq: 2, maxSize: 8000 });
 * ```
 */
export function bertWordTokenizer(texts: Iterable<string>, opts: { minFreq?: number; maxSize?: number } = {}): WordTokenizer {
  return WordTokenizer.buildVocab(texts, { ...optionsArg('bertWordTokenizer', opts), specials: [...BERT_SPECIALS], unk: '[UNK]' });
}

/** [CLS] ids [SEP], cut to maxLen in all. */
export function bertEncode(tok: WordTokenizer, s: string, maxLen: number): number[] {
  intArg('bertEncode', 'maxLen', maxLen, 3);
  return [tok.tokenToId('[CLS]'), ...tok.encode(s).slice(0, maxLen - 2), tok.tokenToId('[SEP]')];
}

export interface MaskOptions {
  vocabSize: number;
  maskId: number;
  /** Ids never chosen for prediction ([PAD], [CLS], [SEP], ...). */
  specialIds: number[];
  /** Share of ordinary tokens chosen (default 0.15). */
  prob?: number;
  generator: Generator;
  /** Random replacements are drawn from [firstRandomId, vocabSize) (default: past the largest special id). */
  firstRandomId?: number;
}
/**
 * BERT's masking: each non-special token is chosen with probability `prob` (0.15); a chosen
 * token becomes [MASK] 80% of the time, a random token 10%, and stays 10%. labels hold the
 * original id at chosen positions and -100 elsewhere. Rows are JS arrays of ids (any lengths).
 */
export function maskTokens(rows: number[][], o: MaskOptions): { inputIds: number[][]; labels: number[][] } {
  const op = 'maskTokens';
  optionsArg(op, o);
  const V = intArg(op, 'vocabSize', o.vocabSize, 1);
  const maskId = intArg(op, 'maskId', o.maskId, 0);
  if (maskId >= V) throw new Error(`${op}: maskId ${maskId} is out of range for vocabSize ${V}`);
  if (!Array.isArray(o.specialIds)) throw new Error(`${op}: specialIds must be an array of ids, got ${showValue(o.specialIds)}`);
  const prob = o.prob == null ? 0.15 : numberArg(op, 'prob', o.prob, 0);
  if (prob > 1) throw new Error(`${op}: prob must be between 0 and 1, got ${prob}`);
  if (!(o.generator instanceof Generator)) throw new Error(`${op}: generator must be a data.Generator, got ${showValue(o.generator)}`);
  const special = new Set(o.specialIds);
  const first = o.firstRandomId == null ? Math.max(...o.specialIds, maskId) + 1 : intArg(op, 'firstRandomId', o.firstRandomId, 0);
  if (first >= V) throw new Error(`${op}: no ordinary token to draw: firstRandomId ${first} >= vocabSize ${V}`);
  const g = o.generator;
  if (!Array.isArray(rows)) throw new Error(`${op}: rows must be an array of id arrays, got ${showValue(rows)}`);
  const inputIds: number[][] = [], labels: number[][] = [];
  rows.forEach((r, i) => {
    if (!Array.isArray(r)) throw new Error(`${op}: row ${i} must be an array of ids, got ${showValue(r)}`);
    const x = [...r], y = r.map(() => -100);
    r.forEach((id, j) => {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`${op}: row ${i} holds id ${showValue(id)}, out of range for vocabSize ${V}`);
      if (special.has(id) || g.next() >= prob) return;
      y[j] = id;
      const u = g.next();
      if (u < 0.8) x[j] = maskId;
      else if (u < 0.9) x[j] = first + Math.floor(g.next() * (V - first));
    });
    inputIds.push(x); labels.push(y);
  });
  return { inputIds, labels };
}

/** Rows padded with `padId` to one length: int64 ids [N, S] and the HF attention mask (1 real, 0 pad). */
export function padRows(rows: number[][], padId = 0, fill = padId): { ids: Tensor; mask: Tensor } {
  const S = Math.max(1, ...rows.map((r) => r.length)), N = rows.length;
  const ids = new Array<number>(N * S).fill(fill), m = new Array<number>(N * S).fill(0);
  rows.forEach((r, i) => r.forEach((v, j) => { ids[i * S + j] = v; m[i * S + j] = 1; }));
  void padId;
  return { ids: tensor(ids, { dtype: 'int64' }).reshape([N, S]), mask: tensor(m, { dtype: 'int64' }).reshape([N, S]) };
}
