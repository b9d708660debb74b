// Sequence recipes on real offline data (issue 17): spam-rnn, char-lm, mnist-lstm and
// births-forecast, each shared by the CLI (`myelin train NAME`), examples/ and the tests.
// Sentiment analysis: no labelled sentiment corpus installs offline (checked for issue 17), so
// none is faked here; spam-rnn is the text-classification recipe.
import { Tensor } from '../tensor';
import { tensor, manualSeed, zeros } from '../creation';
import { cat } from '../functional';
import { noGrad } from '../autograd/engine';
import { tidy, keep } from '../memory';
import * as nn from '../nn/index';
import * as optim from '../optim/index';
import * as data from '../data/index';
import * as text from '../text/index';
import { packPaddedSequence, padPackedSequence } from '../nn/rnn_utils';
import { fitAsync, type Batches, type EpochLog } from './fit';
import { makeProgress } from './progress';
import { mnistDatasets, type RecipeOptions, type RecipeResult } from './recipes';

export interface SeqRecipeOptions extends RecipeOptions {
  /** Hidden size of the recurrent layer. */
  hidden?: number;
  /** spam-rnn: tokens kept per message; char-lm: window length; births-forecast: days of history. */
  maxLen?: number;
  /** char-lm: optimizer steps. */
  steps?: number;
  /** mnist-lstm: evaluate on the first n test images. */
  testLimit?: number;
}

const say = (o: SeqRecipeOptions, line: string): void => (o.log ?? ((s: string) => process.stderr.write(`${s}\n`)))(line);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const int64 = (v: number[]): Tensor => tensor(v, { dtype: 'int64' });

/**
 * Batches made on demand from JS rows, shuffled each pass by a seeded generator when `gen` is
 * given. They are created inside fit's per-batch tidy scope, so each is freed after its step.
 */
function rowBatches(n: number, batchSize: number, make: (rows: number[]) => [Tensor, Tensor], gen?: data.Generator): Batches {
  return {
    length: Math.ceil(n / batchSize),
    *[Symbol.iterator](): Iterator<[Tensor, Tensor]> {
      const order = gen ? gen.permutation(n) : Array.from({ length: n }, (_, i) => i);
      for (let s = 0; s < n; s += batchSize) yield make(order.slice(s, s + batchSize));
    },
  };
}

/** Runs `model` over batches without grad and collects its outputs' rows as JS numbers. */
function predictRows(model: nn.Module, batches: Batches): { out: number[][]; y: number[] } {
  const out: number[][] = [], y: number[] = [];
  model.eval();
  noGrad(() => {
    for (const [x, t] of batches) tidy(() => {
      const o = model.forward(x) as Tensor;
      const w = o.shape[1] ?? 1, d = o.data() as Float32Array;
      for (let i = 0; i < o.shape[0]; i++) out.push(Array.from(d.subarray(i * w, i * w + w)));
      y.push(...Array.from(t.data() as ArrayLike<number | bigint>, Number));
      x.dispose(); t.dispose();
    });
  });
  model.train();
  return { out, y };
}

// ------------------------------------------------------------------ spam-rnn

/** Binary classification metrics with spam (1) as the positive class. */
export function binaryMetrics(pred: number[], truth: number[]): { accuracy: number; precision: number; recall: number; f1: number } {
  let tp = 0, fp = 0, fn = 0, hit = 0;
  pred.forEach((p, i) => { hit += p === truth[i] ? 1 : 0; if (p === 1 && truth[i] === 1) tp++; else if (p === 1) fp++; else if (truth[i] === 1) fn++; });
  const precision = tp / Math.max(tp + fp, 1), recall = tp / Math.max(tp + fn, 1);
  return { accuracy: hit / Math.max(pred.length, 1), precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/**
 * Embedding → dropout → bidirectional GRU over the packed (unpadded) tokens → mean- and
 * max-pooling of the GRU's outputs over each message's real steps (the final states alone forget
 * the start of a long mail) → dropout → Linear to 2 classes. Input: int64 [B, T] ids padded with
 * 0 ('<pad>') at the end.
 */
export class SpamRnn extends nn.Module {
  emb: nn.Embedding;
  embDrop: nn.Dropout;
  rnn: nn.GRU;
  drop: nn.Dropout;
  fc: nn.Linear;
  constructor(vocabSize: number, embDim = 64, hidden = 64, dropout = 0.3, embDropout = 0) {
    super();
    this.emb = new nn.Embedding(vocabSize, embDim, { paddingIdx: 0 });
    this.embDrop = new nn.Dropout(embDropout);
    this.rnn = new nn.GRU(embDim, hidden, { batchFirst: true, bidirectional: true });
    this.drop = new nn.Dropout(dropout);
    this.fc = new nn.Linear(4 * hidden, 2);
  }
  forward(x: Tensor): Tensor {
    // padding only trails (tokenizers never emit '<pad>'), so a row's length is its non-pad count
    const n = x.ne(0).sum(1);
    const lengths = Array.from(n.data() as ArrayLike<number | bigint>, Number);
    const packed = packPaddedSequence(this.embDrop.forward(this.emb.forward(x)), lengths, { batchFirst: true, enforceSorted: false });
    const [out] = padPackedSequence(this.rnn.forward(packed)[0], { batchFirst: true, totalLength: x.shape[1] });
    // padded steps are zeros: the sum over time counts only real steps; max skips them by mask
    const mean = out.sum(1).div(n.unsqueeze(1).to('float32'));
    const max = out.maskedFill(x.eq(0).unsqueeze(2), -1e9).amax(1);
    return this.fc.forward(this.drop.forward(cat([mean, max], 1)));
  }
}

/** The baseline: logistic regression on a message's mean bag of words (EmbeddingBag 'mean' to 2 logits, plus a bias). */
export class BagOfWords extends nn.Module {
  bag: nn.EmbeddingBag;
  bias: nn.Parameter;
  constructor(vocabSize: number) {
    super();
    this.bag = new nn.EmbeddingBag(vocabSize, 2, { mode: 'mean', paddingIdx: 0 });
    nn.init.zeros_(this.bag.weight);
    this.bias = new nn.Parameter(zeros([2]));
  }
  forward(x: Tensor): Tensor { return this.bag.forward(x).add(this.bias); }
}

export interface SpamRnnOptions extends SeqRecipeOptions {
  /** Embedding width of the GRU model (default 128). */
  embDim?: number;
  /** Dropout on the GRU's input embeddings (default 0.2). */
  embDropout?: number;
  /** Vocabulary: minimum count in the training messages (default 2) and most words kept (default 20,000). */
  minFreq?: number;
  maxVocab?: number;
  /** Fraction of the training split held out for validation, which picks each model's best epoch (default 0.1). */
  valFraction?: number;
  /** Decay the GRU's learning rate to 0 over the run along a cosine, stepped per batch (default true). */
  cosine?: boolean;
  /** Learning rate of the GRU model's embedding table (default 1e-2, above `lr`: its rare words get few updates). */
  embLr?: number;
}

type Metrics = { accuracy: number; precision: number; recall: number; f1: number };
export interface SpamResult extends RecipeResult {
  rnn: Metrics;
  baseline: Metrics;
  /** Each model's validation F1 after every epoch, and the epoch kept (1-based). */
  rnnValF1: number[]; baselineValF1: number[]; rnnEpoch: number; baselineEpoch: number;
  vocabSize: number; trainSize: number; valSize: number; testSize: number;
}

/**
 * spam-rnn: SpamAssassin message bodies (headers dropped: their relay names make the task too
 * easy), an 80/20 train/test split by `seed`, and `valFraction` of the training part held out for
 * validation; word tokens with the vocabulary from the remaining training messages (min frequency
 * 2, at most 20,000), `maxLen` (default 256) tokens of each (a longer mail's first and last
 * halves). A bidirectional GRU (emb 128 with dropout 0.2, hidden 64, its outputs mean- and
 * max-pooled, dropout 0.3;
 * Adam 2e-3 with the embedding table at 1e-2, both decayed to 0 along a cosine, batch 32) and the
 * bag-of-words logistic regression (Adam 0.05 for twice the epochs,
 * at least 8: it is cheap) are trained in the same run on the same messages; each keeps the weights
 * of its epoch with the best validation F1, and both report accuracy and F1 (spam positive) on the
 * held-out test 20%, which chooses nothing.
 * `trainLimit` keeps a seeded random subset of that many messages (tests).
 * ```ts
 * const r = await train.seqRecipes.trainSpamRnn({ epochs: 4 }); console.log(r.summary);
 * ```
 */
export async function trainSpamRnn(o: SpamRnnOptions = {}): Promise<SpamResult> {
  const seed = o.seed ?? 0, maxLen = o.maxLen ?? 256, bs = o.batchSize ?? 32, epochs = o.epochs ?? 4;
  const valFraction = o.valFraction ?? 0.1;
  if (typeof valFraction !== 'number' || !(valFraction > 0 && valFraction < 0.5)) throw new Error(`trainSpamRnn: valFraction must be in (0, 0.5), got ${String(valFraction)}`);
  manualSeed(seed);
  let mail = text.loadSpamAssassin({ headers: false });
  if (o.trainLimit !== undefined && o.trainLimit < mail.length) {
    const keepIdx = data.splitIndices(mail.length, [o.trainLimit, mail.length - o.trainLimit], seed)[0];
    mail = keepIdx.map((i) => mail[i]);
  }
  // the test split is the one earlier versions of this recipe reported on; validation comes out of train
  const [trAll, teIdx] = data.splitIndices(mail.length, [0.8, 0.2], seed);
  const [fitPos, valPos] = data.splitIndices(trAll.length, [1 - valFraction, valFraction], seed + 2);
  const trIdx = fitPos.map((i) => trAll[i]), vaIdx = valPos.map((i) => trAll[i]);
  const tok = text.WordTokenizer.buildVocab(trIdx.map((i) => mail[i].text), { minFreq: o.minFreq ?? 2, maxSize: o.maxVocab ?? 20000 });
  // an empty body becomes one '<unk>': a packed sequence needs a step
  // a long mail keeps its head and its tail (signatures, unsubscribe footers)
  const encode = (i: number): number[] => {
    const all = tok.encode(mail[i].text), h = Math.ceil(maxLen / 2);
    const ids = all.length > maxLen ? all.slice(0, h).concat(all.slice(all.length - (maxLen - h))) : all;
    return ids.length ? ids : [tok.unkId];
  };
  const seqs = (idx: number[]) => ({ x: idx.map(encode), y: idx.map((i) => mail[i].label as number) });
  const tr = seqs(trIdx), va = seqs(vaIdx), te = seqs(teIdx);
  const make = (s: { x: number[][]; y: number[] }) => (rows: number[]): [Tensor, Tensor] => [data.padBatch(rows.map((r) => s.x[r])).padded, int64(rows.map((r) => s.y[r]))];
  const score = (model: nn.Module, s: { x: number[][]; y: number[] }): Metrics => {
    const { out, y } = predictRows(model, rowBatches(s.x.length, 256, make(s)));
    return binaryMetrics(out.map((r) => (r[1] > r[0] ? 1 : 0)), y);
  };
  const lossFn = new nn.CrossEntropyLoss();
  const run = async (name: string, model: nn.Module, lr: number, ep: number, cosine: boolean, embLr?: number) => {
    const emb = model instanceof SpamRnn && embLr !== undefined ? model.emb.weight : null;
    const optimizer = new optim.Adam(emb ? [{ params: [emb], lr: embLr }, { params: model.parameters().filter((p) => p !== emb) }] : model.parameters(), { lr });
    const steps = Math.ceil(tr.x.length / bs) * ep;
    const batchScheduler = cosine ? new optim.CosineAnnealingLR(optimizer, { tMax: steps }) : undefined;
    say(o, `spam-rnn: training ${name}`);
    // best-epoch selection on validation F1: a copy of the weights of the best epoch so far
    const valF1: number[] = [];
    let best = -1, bestEpoch = 0, saved: Map<string, Tensor> | null = null;
    const logs = await fitAsync(model, rowBatches(tr.x.length, bs, make(tr), new data.Generator(seed + 1)), {
      epochs: ep, optimizer, batchScheduler, lossFn: (out, y) => lossFn.forward(out, y), progress: o.progress ?? makeProgress(),
      callbacks: o.callbacks,
      onEpoch: (log) => {
        const f1 = score(model, va).f1;
        valF1.push(f1); log.valF1 = f1;
        say(o, `spam-rnn: ${name} epoch ${log.epoch}: validation F1 ${f1.toFixed(4)}`);
        if (f1 > best) {
          saved?.forEach((t) => t.dispose());
          saved = new Map([...model.stateDict()].map(([k, t]) => [k, keep(noGrad(() => t.clone()))]));
          best = f1; bestEpoch = log.epoch;
        }
      },
    });
    if (saved) { model.loadStateDict(saved); (saved as Map<string, Tensor>).forEach((t) => t.dispose()); }
    return { logs, m: score(model, te), valF1, bestEpoch };
  };
  const t0 = performance.now();
  const base = await run('the bag-of-words baseline', new BagOfWords(tok.vocabSize), 0.05, Math.max(epochs, 4) * 2, false);
  const t1 = performance.now();
  const model = new SpamRnn(tok.vocabSize, o.embDim ?? 128, o.hidden ?? 64, 0.3, o.embDropout ?? 0.2);
  const rnn = await run('the bidirectional GRU', model, o.lr ?? 2e-3, epochs, o.cosine ?? true, o.embLr ?? 1e-2);
  const t2 = performance.now();
  const line = (n: string, m: { accuracy: number; f1: number }) => `${n}: accuracy ${pct(m.accuracy)}, F1 ${m.f1.toFixed(4)}`;
  return {
    logs: rnn.logs, testAcc: rnn.m.accuracy, secondsPerEpoch: (t2 - t1) / 1000 / epochs, model, rnn: rnn.m, baseline: base.m,
    rnnValF1: rnn.valF1, baselineValF1: base.valF1, rnnEpoch: rnn.bestEpoch, baselineEpoch: base.bestEpoch,
    vocabSize: tok.vocabSize, trainSize: tr.x.length, valSize: va.x.length, testSize: te.x.length,
    summary: `spam-rnn (SpamAssassin bodies, ${tr.x.length} train / ${va.x.length} validation / ${te.x.length} held-out test, vocab ${tok.vocabSize}, ${maxLen} tokens: head and tail)\n`
      + `  ${line(`bidirectional GRU, epoch ${rnn.bestEpoch} of ${epochs} (best validation F1 ${Math.max(...rnn.valF1).toFixed(4)})`, rnn.m)} (${((t2 - t1) / 1000).toFixed(0)} s)\n`
      + `  ${line(`bag-of-words logistic regression, epoch ${base.bestEpoch} of ${base.valF1.length} (best validation F1 ${Math.max(...base.valF1).toFixed(4)})`, base.m)} (${((t1 - t0) / 1000).toFixed(0)} s)`,
  };
}

// ------------------------------------------------------------------ char-lm

/**
 * Embedding → LSTM → Linear over the vocabulary; forward(x [B, T]) gives logits [B, T, V].
 * Inside, the steps run time-major ([T, B], the scan's own row order): with batchFirst the
 * LSTM would copy its input and output through a transpose ([T, B, E] → [B, T, E] and the
 * [B, T, H] output into the head's GEMM), and their gradients back, every training step.
 */
export class CharLstm extends nn.Module {
  emb: nn.Embedding;
  rnn: nn.LSTM;
  head: nn.Linear;
  constructor(vocabSize: number, embDim = 32, hidden = 256) {
    super();
    this.emb = new nn.Embedding(vocabSize, embDim);
    this.rnn = new nn.LSTM(embDim, hidden);
    this.head = new nn.Linear(hidden, vocabSize);
  }
  forward(x: Tensor, state?: [Tensor, Tensor] | null): Tensor { return this.step(x, state)[0]; }
  /** Logits [B, T, V] (a view of the time-major ones) and the LSTM's final state (sampling carries it from step to step). */
  step(x: Tensor, state?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [lg, hc] = this.timeMajor(x, state);
    return [lg.transpose(0, 1), hc];
  }
  /** Logits [T, B, V] for ids x [B, T] (what training and evaluation use: no copy into batch order). */
  timeMajor(x: Tensor, state?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [out, hc] = this.rnn.forward(this.emb.forward(x.t()), state);
    return [this.head.forward(out), hc];
  }
}

/** What char-lm trains on; bench/char_lm.js writes it for PyTorch, so both see the same batches. */
export interface CharLmData {
  tok: text.CharTokenizer;
  trainIds: Int32Array;
  valIds: Int32Array;
  /** Window starts into trainIds, `batchSize` per step, in training order. */
  starts: Int32Array;
  seqLen: number; batchSize: number; steps: number;
}

/**
 * char-lm's data: Moby Dick (the first `trainLimit` characters when given), the final 5% held
 * out as validation, training windows of `maxLen` (default 64) characters that do not overlap,
 * visited in seeded shuffled passes, `batchSize` (default 32) per step for `steps` (default 1000).
 */
export function charLmData(o: SeqRecipeOptions = {}): CharLmData {
  let corpus = text.mobyDickText();
  if (o.trainLimit !== undefined) corpus = corpus.slice(0, o.trainLimit);
  const tok = text.CharTokenizer.fromText(corpus);
  const ids = Int32Array.from(tok.encode(corpus));
  const cut = Math.floor(ids.length * 0.95);
  const seqLen = o.maxLen ?? 64, batchSize = o.batchSize ?? 32, steps = o.steps ?? 1000;
  const trainIds = ids.subarray(0, cut), valIds = ids.subarray(cut);
  const nWin = Math.floor((trainIds.length - 1) / seqLen);
  if (nWin < batchSize) throw new Error(`charLmData: ${trainIds.length} training characters make ${nWin} windows of ${seqLen}, fewer than a batch of ${batchSize}`);
  const gen = new data.Generator(o.seed ?? 0);
  const starts = new Int32Array(steps * batchSize);
  let perm: number[] = [], p = nWin;
  for (let i = 0; i < starts.length; i++) {
    if (p + batchSize > nWin && i % batchSize === 0) { perm = gen.permutation(nWin); p = 0; }
    starts[i] = perm[p++] * seqLen;
  }
  return { tok, trainIds, valIds, starts, seqLen, batchSize, steps };
}

/** Windows [x, y] (y = x shifted by one) starting at `starts`. */
function lmBatch(ids: Int32Array, starts: ArrayLike<number>, T: number): [Tensor, Tensor] {
  const x = new Int32Array(starts.length * T), y = new Int32Array(starts.length * T);
  for (let b = 0; b < starts.length; b++) { x.set(ids.subarray(starts[b], starts[b] + T), b * T); y.set(ids.subarray(starts[b] + 1, starts[b] + T + 1), b * T); }
  return [tensor(x, { shape: [starts.length, T], dtype: 'int64' }), tensor(y, { shape: [starts.length, T], dtype: 'int64' })];
}

/** Mean validation bits per character: non-overlapping windows of seqLen, each from a zero state. */
export function charLmBpc(model: CharLstm, ids: Int32Array, seqLen: number): number {
  const n = Math.floor((ids.length - 1) / seqLen);
  let nats = 0;
  model.eval();
  noGrad(() => {
    for (let s = 0; s < n; s += 64) tidy(() => {
      const starts = Array.from({ length: Math.min(64, n - s) }, (_, i) => (s + i) * seqLen);
      const [x, y] = lmBatch(ids, starts, seqLen);
      const out = model.timeMajor(x)[0];
      nats += (nn.functional.crossEntropy(out.reshape([-1, out.shape[2]]), y.t().reshape([-1])).item() as number) * starts.length;
    });
  });
  model.train();
  return nats / n / Math.LN2;
}

/**
 * Samples `length` characters after `prime`, drawing each from softmax(logits / temperature)
 * with a generator seeded by `seed` (the same seed, the same text).
 */
export function sampleChars(model: CharLstm, tok: text.CharTokenizer, prime: string, length: number, temperature: number, seed = 0): string {
  if (!(temperature > 0)) throw new Error(`sampleChars: temperature must be > 0, got ${temperature}`);
  const gen = new data.Generator(seed);
  const ids = tok.encode(prime);
  if (!ids.length) throw new Error('sampleChars: prime must have at least one character');
  model.eval();
  let state: [Tensor, Tensor] | null = null;
  let x = ids;
  const out: number[] = [];
  noGrad(() => {
    for (let i = 0; i < length; i++) {
      const [next, st] = tidy(() => {
        const [logits, hc] = model.step(tensor(x, { shape: [1, x.length], dtype: 'int64' }), state);
        const p = logits.select(1, x.length - 1).reshape([-1]).div(temperature).softmax(0).data() as Float32Array;
        let r = gen.next(), k = 0;
        for (; k < p.length - 1; k++) { r -= p[k]; if (r < 0) break; }
        return [k, [keep(hc[0]), keep(hc[1])] as [Tensor, Tensor]] as const;
      });
      state?.forEach((t) => t.dispose());
      state = st;
      out.push(next);
      x = [next];
    }
  });
  (state as [Tensor, Tensor] | null)?.forEach((t) => t.dispose());
  model.train();
  return tok.decode(out);
}

export interface CharLmResult extends RecipeResult { model: CharLstm; tok: text.CharTokenizer; bpc: number; sample: string; tokensPerSecond: number; steps: number }

/**
 * char-lm: a character LSTM (emb 32, hidden 256 by default) on Moby Dick, Adam 2e-3, gradients
 * clipped to norm 1, `steps` steps of 32 windows of 64 characters; validation bits per
 * character on the final 5%, and 300 sampled characters at temperature 0.8.
 * ```ts
 * const r = await train.seqRecipes.trainCharLm({ steps: 500 }); console.log(r.bpc, r.sample);
 * ```
 */
export async function trainCharLm(o: SeqRecipeOptions = {}): Promise<CharLmResult> {
  const seed = o.seed ?? 0;
  manualSeed(seed);
  const d = charLmData(o);
  const model = new CharLstm(d.tok.vocabSize, 32, o.hidden ?? 256);
  const opt = new optim.Adam(model.parameters(), { lr: o.lr ?? 2e-3 });
  const t0 = performance.now();
  let last = t0, loss = 0;
  for (let s = 0; s < d.steps; s++) {
    loss = tidy(() => {
      opt.zeroGrad();
      const [x, y] = lmBatch(d.trainIds, d.starts.subarray(s * d.batchSize, (s + 1) * d.batchSize), d.seqLen);
      const out = model.timeMajor(x)[0];  // [T, B, V]: the targets go time-major too
      const l = nn.functional.crossEntropy(out.reshape([-1, out.shape[2]]), y.t().reshape([-1]));
      const v = l.item() as number;
      if (!Number.isFinite(v)) throw new Error(`trainCharLm: the loss is ${v} at step ${s + 1}; training diverged (try a lower learning rate)`);
      l.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1);
      opt.step();
      return v;
    });
    if ((s + 1) % 100 === 0 || s + 1 === d.steps) say(o, `char-lm: step ${s + 1}/${d.steps}, train loss ${(loss / Math.LN2).toFixed(3)} bits/char`);
    if (performance.now() - last > 20) { await new Promise((r) => setImmediate(r)); last = performance.now(); }
  }
  const secs = (performance.now() - t0) / 1000;
  const bpc = charLmBpc(model, d.valIds, d.seqLen);
  const sample = sampleChars(model, d.tok, 'Call me Ishmael. ', 300, 0.8, seed);
  const tps = (d.steps * d.batchSize * d.seqLen) / secs;
  return {
    logs: [], secondsPerEpoch: secs, model, tok: d.tok, bpc, sample, tokensPerSecond: tps, steps: d.steps,
    summary: `char-lm (Moby Dick, ${d.trainIds.length} train / ${d.valIds.length} validation characters, vocab ${d.tok.vocabSize}): `
      + `validation ${bpc.toFixed(3)} bits/char after ${d.steps} steps, ${Math.round(tps)} tokens/s\n`
      + `  sample (temperature 0.8, seed ${seed}): ${JSON.stringify('Call me Ishmael. ' + sample)}`,
  };
}

// ------------------------------------------------------------------ mnist-lstm

/** An MNIST image as 28 steps of 28 pixels → LSTM → the last step's output → Linear 10. */
export class RowLstm extends nn.Module {
  rnn: nn.LSTM;
  fc: nn.Linear;
  constructor(hidden = 128) { super(); this.rnn = new nn.LSTM(28, hidden, { batchFirst: true }); this.fc = new nn.Linear(hidden, 10); }
  forward(x: Tensor): Tensor {
    const [out] = this.rnn.forward(x.reshape([x.shape[0], 28, 28]));
    return this.fc.forward(out.select(1, 27));
  }
}

/**
 * mnist-lstm: MNIST rows as a 28-step sequence, LSTM 128, Linear 10; Adam 1e-3 decayed 0.8x per
 * epoch, batch 64, 5 epochs. `trainLimit`/`testLimit` use the first n images (tests).
 * ```ts
 * const r = await train.seqRecipes.trainMnistLstm({ epochs: 5 }); console.log(r.summary);
 * ```
 */
export async function trainMnistLstm(o: SeqRecipeOptions = {}): Promise<RecipeResult> {
  manualSeed(o.seed ?? 0);
  const { train, test } = mnistDatasets(o.trainLimit, o.testLimit);
  const model = new RowLstm(o.hidden ?? 128);
  const optimizer = new optim.Adam(model.parameters(), { lr: o.lr ?? 1e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const logs: EpochLog[] = await fitAsync(model, new data.DataLoader(train, { batchSize: o.batchSize ?? 64, shuffle: true, seed: o.seed ?? 0 }), {
    epochs: o.epochs ?? 5, optimizer, lossFn: (out, y) => lossFn.forward(out, y), test: new data.DataLoader(test, { batchSize: 1000 }),
    scheduler: new optim.ExponentialLR(optimizer, { gamma: 0.8 }), progress: o.progress ?? makeProgress(),
    onEpoch: (l) => o.targetAcc !== undefined && (l.testAcc ?? 0) >= o.targetAcc,
    callbacks: o.callbacks,
  });
  const lastLog = logs[logs.length - 1];
  const spe = logs.reduce((a, l) => a + l.seconds, 0) / logs.length;
  return { logs, testAcc: lastLog.testAcc, secondsPerEpoch: spe, model,
    summary: `mnist-lstm (rows as 28 steps, LSTM ${o.hidden ?? 128}): test accuracy ${pct(lastLog.testAcc!)} after ${logs.length} epoch(s) on ${train.length} images, ${spe.toFixed(1)} s per epoch` };
}

// ------------------------------------------------------------------ births-forecast

/**
 * A GRU over the past days' [births (normalized), weekday one-hot] → the next day's births, as a
 * correction to the seasonal-naive guess (the value 7 days before): the output is that value
 * plus Linear(the last hidden state), so an untrained model starts at the baseline.
 */
export class BirthsGru extends nn.Module {
  rnn: nn.GRU;
  fc: nn.Linear;
  constructor(hidden = 32) { super(); this.rnn = new nn.GRU(8, hidden, { batchFirst: true }); this.fc = new nn.Linear(hidden, 1); }
  forward(x: Tensor): Tensor {
    const [out] = this.rnn.forward(x);
    const T = x.shape[1];
    return this.fc.forward(out.select(1, T - 1)).add(x.select(1, T - 7).narrow(1, 0, 1));
  }
}

export interface BirthsResult extends RecipeResult { mae: number; naiveMae: number; testDays: number }

/**
 * births-forecast: daily US births 1969-1988; one day ahead from the previous `maxLen` (default
 * 28) days, each [births standardized by the 1969-1987 mean and std, one-hot weekday]; a GRU
 * (hidden 32) trained on targets in 1969-1987 (MSE, Adam 3e-3, batch 64), its MAE on every
 * day of 1988 next to the seasonal-naive forecast (the same weekday a week earlier).
 * ```ts
 * const r = await train.seqRecipes.trainBirthsForecast(); console.log(r.mae, r.naiveMae);
 * ```
 */
export async function trainBirthsForecast(o: SeqRecipeOptions = {}): Promise<BirthsResult> {
  manualSeed(o.seed ?? 0);
  const days = text.loadUsBirths();
  const W = o.maxLen ?? 28, n = days.length;
  if (!Number.isInteger(W) || W < 7) throw new Error(`trainBirthsForecast: maxLen must be an integer >= 7 (the model reads the day a week back), got ${W}`);
  const firstTest = days.findIndex((d) => d.year === 1988);
  const trainVals = days.slice(0, firstTest).map((d) => d.births);
  const mean = trainVals.reduce((a, b) => a + b, 0) / trainVals.length;
  const std = Math.sqrt(trainVals.reduce((a, b) => a + (b - mean) ** 2, 0) / trainVals.length);
  const feat = new Float32Array(n * 8);
  days.forEach((d, i) => { feat[i * 8] = (d.births - mean) / std; feat[i * 8 + d.dayOfWeek] = 1; });
  // sample t predicts day t from days t-W .. t-1
  const make = (targets: number[]) => (rows: number[]): [Tensor, Tensor] => {
    const x = new Float32Array(rows.length * W * 8), y = new Float32Array(rows.length);
    rows.forEach((r, b) => { const t = targets[r]; x.set(feat.subarray((t - W) * 8, t * 8), b * W * 8); y[b] = feat[t * 8]; });
    return [tensor(x, { shape: [rows.length, W, 8] }), tensor(y, { shape: [rows.length, 1] })];
  };
  const trainT = Array.from({ length: firstTest - W }, (_, i) => i + W), testT = Array.from({ length: n - firstTest }, (_, i) => i + firstTest);
  const model = new BirthsGru(o.hidden ?? 32);
  const optimizer = new optim.Adam(model.parameters(), { lr: o.lr ?? 3e-3 });
  const epochs = o.epochs ?? 20;
  const logs = await fitAsync(model, rowBatches(trainT.length, o.batchSize ?? 64, make(trainT), new data.Generator((o.seed ?? 0) + 1)), {
    epochs, optimizer, lossFn: (out, y) => nn.functional.mseLoss(out, y), progress: o.progress ?? makeProgress(),
    scheduler: new optim.StepLR(optimizer, { stepSize: Math.max(1, Math.floor(epochs / 2)), gamma: 0.3 }),
    callbacks: o.callbacks,
  });
  const { out } = predictRows(model, rowBatches(testT.length, 512, make(testT)));
  let mae = 0, naiveMae = 0;
  testT.forEach((t, i) => { mae += Math.abs(out[i][0] * std + mean - days[t].births); naiveMae += Math.abs(days[t - 7].births - days[t].births); });
  mae /= testT.length; naiveMae /= testT.length;
  const spe = logs.reduce((a, l) => a + l.seconds, 0) / logs.length;
  return { logs, secondsPerEpoch: spe, model, mae, naiveMae, testDays: testT.length,
    summary: `births-forecast (US daily births, trained on 1969-1987, ${testT.length} days of 1988 held out): `
      + `GRU one day ahead MAE ${mae.toFixed(0)} births/day vs seasonal naive (a week earlier) ${naiveMae.toFixed(0)} (${mae < naiveMae ? `${((1 - mae / naiveMae) * 100).toFixed(0)}% lower` : 'no better'})` };
}
