// Recipes for the BERT-style encoder and the seq2seq Transformer (issue 18): bert-spam (MLM
// pretraining on SpamAssassin, then a spam/ham fine-tune, against the same fine-tune from scratch)
// and seq2seq-reverse (digit-string reversal: an algorithmic task, since no parallel corpus installs offline).
import type { Tensor } from '../tensor';
import { tensor, manualSeed } from '../creation';
import { tidy } from '../memory';
import { noGrad } from '../autograd/engine';
import * as optim from '../optim/index';
import * as init from '../nn/init';
import { crossEntropy } from '../nn/functional';
import * as data from '../data/index';
import * as text from '../text/index';
import { BertForMaskedLM, BertForSequenceClassification, bertWordTokenizer, bertEncode, maskTokens, padRows, type BertConfig } from '../models/bert';
import { Seq2SeqTransformer } from '../models/seq2seq';
import { binaryMetrics } from './seq_recipes';
import type { RecipeOptions } from './recipes';
import type { Module } from '../nn/module';

const say = (o: RecipeOptions, line: string): void => (o.log ?? ((s: string) => process.stderr.write(`${s}\n`)))(line);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

export interface BertSpamOptions extends RecipeOptions {
  /** Tokens per message, [CLS] and [SEP] included (default 64). */
  maxLen?: number;
  pretrainSteps?: number;
  finetuneSteps?: number;
  /** Defaults: 2000 pretraining and 200 fine-tuning steps, hidden 64, 2 layers (the size measured in the README). */
  hidden?: number;
  layers?: number;
  /** Peak fine-tuning learning rate (default 5e-4; `lr` is pretraining's, default 1e-3). */
  finetuneLr?: number;
  /** Share of each phase's steps spent warming the learning rate up, then decayed linearly to 0 (BERT's schedule; default 0.1). */
  warmup?: number;
}
type Metrics = { accuracy: number; precision: number; recall: number; f1: number };
export interface BertSpamResult {
  pretrained: Metrics; scratch: Metrics; mlmLossStart: number;
  /** Accuracy of always answering the held-out split's commoner class. */
  majority: number; mlmLossEnd: number;
  trainSize: number; testSize: number; vocabSize: number; summary: string; model: Module; secondsPerEpoch: number; logs: [];
  /** The MLM-pretrained model the first fine-tune started from. */
  mlm: BertForMaskedLM;
}

/** Mean of the first / last `k` entries. */
const head = (a: number[], k: number): number => a.slice(0, k).reduce((s, v) => s + v, 0) / Math.min(k, a.length);
const tail = (a: number[], k: number): number => head(a.slice(-k), k);

/** BERT's schedule: linear warmup over the first `warmup` share of n steps, then linear decay to 0. */
function bertLr(peak: number, s: number, n: number, warmup: number): number {
  const w = Math.max(1, Math.floor(warmup * n));
  return s < w ? (peak * (s + 1)) / w : peak * Math.max(0, (n - s) / Math.max(1, n - w));
}

/** One optimizer step inside its own tidy scope; returns the loss. */
function step(opt: optim.Optimizer, f: () => Tensor): number {
  return tidy(() => { opt.zeroGrad(); const loss = f(); loss.backward(); opt.step(); return Number(loss.item()); });
}

/**
 * bert-spam: SpamAssassin bodies (headers dropped), an 80/20 split by `seed`, word tokens with
 * BERT's specials from the training split (min frequency 2, at most 8000), [CLS] text [SEP] cut
 * to `maxLen`. (1) MLM pretraining on the training split's text (15% masked, 80/10/10), AdamW
 * peak `lr` 1e-3, batch 32, the LM head on masked positions only. (2) Fine-tuning on the spam/ham
 * labels for `finetuneSteps` steps (AdamW peak `finetuneLr` 5e-4, batch 32) twice, with the same
 * seed, batches and hyperparameters: from the pretrained encoder, and from a fresh one. Both phases
 * use BERT's schedule (linear warmup over `warmup` = 10% of the steps, then linear decay to 0).
 * F1 (spam positive) and accuracy of both on the held-out 20%. (The first version fine-tuned at a
 * constant 2e-4 for 60 steps: too little for a small model started at N(0, 0.02) to move off the
 * class prior, in myelin and in a torch twin of the recipe alike, so both arms answered "ham" always.)
 * ```ts
 * const r = await train.bertRecipes.trainBertSpam(); console.log(r.summary);
 * ```
 */
export async function trainBertSpam(o: BertSpamOptions = {}): Promise<BertSpamResult> {
  const seed = o.seed ?? 0, maxLen = o.maxLen ?? 64, bs = o.batchSize ?? 32;
  const preSteps = o.pretrainSteps ?? 2000, ftSteps = o.finetuneSteps ?? 200;
  manualSeed(seed);
  let mail = text.loadSpamAssassin({ headers: false });
  if (o.trainLimit !== undefined && o.trainLimit < mail.length) {
    const keepIdx = data.splitIndices(mail.length, [o.trainLimit, mail.length - o.trainLimit], seed)[0];
    mail = keepIdx.map((i) => mail[i]);
  }
  const [trIdx, teIdx] = data.splitIndices(mail.length, [0.8, 0.2], seed);
  const tok = bertWordTokenizer(trIdx.map((i) => mail[i].text), { minFreq: 2, maxSize: 8000 });
  const rows = (idx: number[]) => idx.map((i) => bertEncode(tok, mail[i].text, maxLen));
  const tr = rows(trIdx), te = rows(teIdx);
  const trY = trIdx.map((i) => mail[i].label as number), teY = teIdx.map((i) => mail[i].label as number);
  const config: BertConfig = {
    vocabSize: tok.vocabSize, hiddenSize: o.hidden ?? 64, numLayers: o.layers ?? 2, numHeads: 4, maxPositions: maxLen, dropout: 0.1,
  };
  const t0 = performance.now();
  // (1) masked-LM pretraining
  const mlm = new BertForMaskedLM(config);
  const maskGen = new data.Generator(seed + 11), orderGen = new data.Generator(seed + 12);
  const specialIds = [0, 1, 2, 3, 4];
  const preLr = o.lr ?? 1e-3, ftLr = o.finetuneLr ?? 5e-4, warmup = o.warmup ?? 0.1;
  const optPre = new optim.AdamW(mlm.parameters(), { lr: preLr, weightDecay: 0.01 });
  const mlmLosses: number[] = [];
  let order: number[] = [], p = 0;
  const nextBatch = (gen: data.Generator, n: number): number[] => {
    if (p + bs > order.length) { order = gen.permutation(n); p = 0; }
    return order.slice(p, (p += bs));
  };
  say(o, `bert-spam: MLM pretraining, ${preSteps} steps on ${tr.length} messages (vocab ${tok.vocabSize})`);
  for (let s = 0; s < preSteps; s++) {
    const b = nextBatch(orderGen, tr.length);
    const { inputIds, labels } = maskTokens(b.map((i) => tr[i]), { vocabSize: tok.vocabSize, maskId: 4, specialIds, generator: maskGen });
    optPre.paramGroups[0].lr = bertLr(preLr, s, preSteps, warmup);
    // the LM head runs on the masked positions only (as HF's run_mlm does not, but the loss is the
    // same): the vocabulary-wide decoder on every position was most of a step's time
    const flat = padRows(labels, 0, -100).ids;
    const sel: number[] = [], target: number[] = [];
    Array.from(flat.data() as ArrayLike<number | bigint>, Number).forEach((v, i) => { if (v !== -100) { sel.push(i); target.push(v); } });
    flat.dispose();
    if (sel.length === 0) continue;   // nothing masked in this batch (tiny batches only)
    mlmLosses.push(step(optPre, () => {
      const x = padRows(inputIds);
      const h = mlm.bert.forward(x.ids, { attentionMask: x.mask });
      const hm = h.reshape([-1, config.hiddenSize!]).indexSelect(0, tensor(sel, { dtype: 'int64' })).reshape([1, sel.length, -1]);
      return crossEntropy(mlm.cls.forward(hm).reshape([sel.length, -1]), tensor(target, { dtype: 'int64' }));
    }));
    if ((s + 1) % 100 === 0) say(o, `  step ${s + 1}: MLM loss ${tail(mlmLosses, 100).toFixed(3)}`);
    if (s % 5 === 4) await new Promise((r) => setImmediate(r));   // a turn for the event loop (vitest's RPC times out when starved)
  }
  const t1 = performance.now();
  // (2) the same fine-tune from the pretrained encoder and from scratch
  const finetune = async (name: string, from: BertForMaskedLM | null): Promise<{ m: Metrics; model: BertForSequenceClassification }> => {
    manualSeed(seed + 1);   // both classifiers start from the same head (and the same fresh encoder)
    const clf = new BertForSequenceClassification({ ...config, numLabels: 2 });
    if (from) clf.bert.loadStateDict(from.bert.stateDict());
    const opt = new optim.AdamW(clf.parameters(), { lr: ftLr, weightDecay: 0.01 });
    const gen = new data.Generator(seed + 13);
    order = []; p = 0;
    const losses: number[] = [];
    say(o, `bert-spam: fine-tuning ${name}, ${ftSteps} steps`);
    for (let s = 0; s < ftSteps; s++) {
      const b = nextBatch(gen, tr.length);
      opt.paramGroups[0].lr = bertLr(ftLr, s, ftSteps, warmup);
      losses.push(step(opt, () => {
        const x = padRows(b.map((i) => tr[i]));
        return clf.loss(clf.forward(x.ids, { attentionMask: x.mask }), tensor(b.map((i) => trY[i]), { dtype: 'int64' }));
      }));
      if ((s + 1) % 50 === 0) say(o, `  step ${s + 1}: loss ${tail(losses, 50).toFixed(4)}`);
      if (s % 5 === 4) await new Promise((r) => setImmediate(r));   // a turn for the event loop (vitest's RPC times out when starved)
    }
    clf.eval();
    const pred: number[] = [];
    noGrad(() => {
      for (let s = 0; s < te.length; s += 128) tidy(() => {
        const x = padRows(te.slice(s, s + 128));
        pred.push(...Array.from(clf.forward(x.ids, { attentionMask: x.mask }).argmax(1).data() as ArrayLike<number | bigint>, Number));
      });
    });
    clf.train();
    return { m: binaryMetrics(pred, teY), model: clf };
  };
  const a = await finetune('from the MLM-pretrained encoder', mlm);
  const t2 = performance.now();
  const b = await finetune('from scratch', null);
  const spamShare = teY.reduce((x, y) => x + y, 0) / teY.length, majority = Math.max(spamShare, 1 - spamShare);
  const mlmLossStart = head(mlmLosses, 20), mlmLossEnd = tail(mlmLosses, 20);
  const line = (n: string, m: Metrics) => `${n}: F1 ${m.f1.toFixed(4)}, accuracy ${pct(m.accuracy)}`;
  const helped = a.m.f1 > b.m.f1 ? 'pretraining helped' : 'pretraining did NOT help';
  return {
    pretrained: a.m, scratch: b.m, mlmLossStart, majority, mlmLossEnd, trainSize: tr.length, testSize: te.length, vocabSize: tok.vocabSize,
    model: a.model, mlm, secondsPerEpoch: (t2 - t0) / 1000, logs: [],
    summary: `bert-spam (SpamAssassin bodies, ${tr.length} train / ${te.length} held out, vocab ${tok.vocabSize}, ${maxLen} tokens, `
      + `hidden ${config.hiddenSize}, ${config.numLayers} layers)\n`
      + `  MLM pretraining: ${preSteps} steps, loss ${mlmLossStart.toFixed(3)} -> ${mlmLossEnd.toFixed(3)} (${((t1 - t0) / 1000).toFixed(0)} s)\n`
      + `  ${line(`pretrained, then ${ftSteps} fine-tuning steps`, a.m)}\n`
      + `  ${line(`from scratch, the same ${ftSteps} steps`, b.m)}\n  ${helped} (same split, seed and batches; the commoner class alone: accuracy ${pct(majority)})`,
  };
}

// ------------------------------------------------------------------ seq2seq-reverse

export interface ReverseOptions extends RecipeOptions {
  steps?: number;
  /** Digits per sequence: minLen..maxLen (default 3..10). */
  minLen?: number; maxLen?: number;
  dModel?: number; layers?: number;
  /** Held-out sequences (default 500). */
  testSize?: number;
  beamSize?: number;
  /** The translation tutorial's xavier_uniform_ on every weight of 2+ dims (default true); false keeps
   *  Embedding's N(0, 1), which times sqrt(dModel) drowns the sinusoidal positions reversal depends on. */
  xavier?: boolean;
  /** Dropout (default 0.1). */
  dropout?: number;
}
export interface ReverseResult { greedyAcc: number; beamAcc: number; finalLoss: number; model: Seq2SeqTransformer; summary: string; secondsPerEpoch: number; logs: [] }

/** Token ids of the reversal task: 0 pad, 1 begin, 2 end, 3..12 the digits 0-9. */
export const REVERSE_VOCAB = 13;

/**
 * seq2seq-reverse: the well-known algorithmic task of reversing a digit string (no parallel text
 * corpus installs offline). Sources of minLen..maxLen random digits from a seeded generator; the
 * target is the source reversed, then the end token. Held-out sequences are drawn first and never
 * trained on. Seq2SeqTransformer (dModel 64, 4 heads, 2 + 2 layers, ff 256, dropout 0.1), teacher
 * forcing, the tutorial's xavier_uniform_ init, Adam 5e-4 with min(200, steps / 10) warmup steps, batch 64. Exact-match accuracy of greedy decoding and of
 * beam search (beam 4, lengthPenalty 1).
 */
export async function trainSeq2SeqReverse(o: ReverseOptions = {}): Promise<ReverseResult> {
  const seed = o.seed ?? 0, steps = o.steps ?? 3000, bs = o.batchSize ?? 64, minLen = o.minLen ?? 3, maxLen = o.maxLen ?? 10;
  const nTest = o.testSize ?? 500, K = o.beamSize ?? 4;
  manualSeed(seed);
  const gen = new data.Generator(seed + 21);
  const draw = (): number[] => Array.from({ length: minLen + Math.floor(gen.next() * (maxLen - minLen + 1)) }, () => 3 + Math.floor(gen.next() * 10));
  const heldOut = new Map<string, number[]>();
  for (let tries = 0; heldOut.size < nTest && tries < 100 * nTest; tries++) { const s = draw(); heldOut.set(s.join(','), s); }
  const test = [...heldOut.values()];
  const model = new Seq2SeqTransformer(REVERSE_VOCAB, REVERSE_VOCAB, {
    dModel: o.dModel ?? 64, nhead: 4, numEncoderLayers: o.layers ?? 2, numDecoderLayers: o.layers ?? 2,
    dimFeedforward: 4 * (o.dModel ?? 64), dropout: o.dropout ?? 0.1, maxLen: maxLen + 2,
  });
  // as the tutorial: xavier_uniform_ on every matrix. Without it the token embeddings are N(0, 1)
  // scaled by sqrt(dModel) (std 8 at dModel 64) against sinusoids of amplitude 1, and the model,
  // which must attend by position to reverse, learns positions far more slowly.
  if (o.xavier ?? true) noGrad(() => { for (const q of model.parameters()) if (q.ndim > 1) init.xavierUniform_(q); });
  const lr = o.lr ?? 5e-4, warm = Math.min(200, Math.ceil(steps / 10));
  const opt = new optim.Adam(model.parameters(), { lr, betas: [0.9, 0.98], eps: 1e-9 });
  const losses: number[] = [];
  say(o, `seq2seq-reverse: ${steps} steps of ${bs} sequences of ${minLen}-${maxLen} digits`);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    opt.paramGroups[0].lr = lr * Math.min(1, (s + 1) / warm);
    const src: number[][] = [];
    while (src.length < bs) { const x = draw(); if (!heldOut.has(x.join(','))) src.push(x); }
    losses.push(step(opt, () => {
      const S = padRows(src).ids;
      const tgtIn = padRows(src.map((x) => [1, ...[...x].reverse()])).ids;
      const tgtOut = padRows(src.map((x) => [...[...x].reverse(), 2]), 0, -100).ids;
      const logits = model.forward(S, tgtIn);
      return crossEntropy(logits.reshape([-1, REVERSE_VOCAB]), tgtOut.reshape([-1]), { ignoreIndex: -100 });
    }));
    if ((s + 1) % 50 === 0) say(o, `  step ${s + 1}: loss ${tail(losses, 250).toFixed(4)}`);
    if (s % 5 === 4) await new Promise((r) => setImmediate(r));   // a turn for the event loop (vitest's RPC times out when starved)
  }
  const t1 = performance.now();
  const want = test.map((x) => [...[...x].reverse(), 2].join(','));
  let gHit = 0, bHit = 0;
  for (let s = 0; s < test.length; s += 100) {
    const chunk = test.slice(s, s + 100);
    const src = padRows(chunk).ids;
    const g = model.greedyDecode(src, { maxLen: maxLen + 1, bosId: 1, eosId: 2 });
    const b = model.beamSearch(src, { beamSize: K, maxLen: maxLen + 1, bosId: 1, eosId: 2, lengthPenalty: 1 });
    src.dispose();
    chunk.forEach((_, i) => { gHit += g[i].join(',') === want[s + i] ? 1 : 0; bHit += b[i].tokens.join(',') === want[s + i] ? 1 : 0; });
  }
  const greedyAcc = gHit / test.length, beamAcc = bHit / test.length, finalLoss = tail(losses, 100);
  return {
    greedyAcc, beamAcc, finalLoss, model, secondsPerEpoch: (t1 - t0) / 1000, logs: [],
    summary: `seq2seq-reverse (digit-string reversal, ${minLen}-${maxLen} digits, an algorithmic task: no parallel corpus installs offline)\n`
      + `  ${steps} steps, final loss ${finalLoss.toFixed(4)} (${((t1 - t0) / 1000).toFixed(0)} s)\n`
      + `  exact match on ${test.length} held-out sequences: greedy ${pct(greedyAcc)}, beam ${K} ${pct(beamAcc)}`,
  };
}
