// Transformer recipes (issue 18): vit-mnist (a small Vision Transformer on MNIST) and gpt-char
// (a character GPT on the State of the Union addresses), shared by the CLI, examples/, bench/ and tests.
import { Tensor } from '../tensor';
import { tensor, manualSeed } from '../creation';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import * as nn from '../nn/index';
import * as optim from '../optim/index';
import * as data from '../data/index';
import * as text from '../text/index';
import { ViT } from '../models/vit';
import { GPT } from '../models/gpt';
import { fitAsync } from './fit';
import { makeProgress } from './progress';
import { mnistDatasets, type RecipeOptions, type RecipeResult } from './recipes';

export interface TransformerRecipeOptions extends RecipeOptions {
  /** vit-mnist: evaluate on the first n test images. */
  testLimit?: number;
  /** gpt-char: optimizer steps. */
  steps?: number;
  /** gpt-char: context length (the position table's size). */
  blockSize?: number;
}

const say = (o: RecipeOptions, line: string): void => (o.log ?? ((s: string) => process.stderr.write(`${s}\n`)))(line);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

// ------------------------------------------------------------------ vit-mnist

/** vit-mnist's model: patch 7 (16 tokens + class token), width 64, 4 blocks of 4 heads, MLP 128. */
export const mnistVit = (): ViT => new ViT({ imageSize: 28, patchSize: 7, dim: 64, depth: 4, heads: 4, mlpDim: 128 });

/**
 * vit-mnist: {@link mnistVit} on MNIST, AdamW (lr 2e-3, weight decay 0.05) with one-cycle
 * schedule stepped per batch (10% linear-cosine warmup, cosine decay), batch 128, 10 epochs,
 * training images shifted by up to 2 pixels. `trainLimit`/`testLimit` take the first n images (tests).
 * ```ts
 * const r = await train.transformerRecipes.trainVitMnist({ epochs: 10 }); console.log(r.summary);
 * ```
 */
export async function trainVitMnist(o: TransformerRecipeOptions = {}): Promise<RecipeResult> {
  const seed = o.seed ?? 0, epochs = o.epochs ?? 10, bs = o.batchSize ?? 128;
  manualSeed(seed);
  const { train, test } = mnistDatasets(o.trainLimit, o.testLimit);
  const model = mnistVit();
  const loader = new data.DataLoader(train, { batchSize: bs, shuffle: true, seed });
  const optimizer = new optim.AdamW(model.parameters(), { lr: o.lr ?? 2e-3, weightDecay: 0.05 });
  const fill = -0.1307 / 0.3081;
  const batches = { length: loader.length, *[Symbol.iterator](): Iterator<[Tensor, Tensor]> {
    for (const [x, y] of loader) yield [data.randomShift(x as Tensor, 2, { fill }), y as Tensor];
  } };
  const lossFn = new nn.CrossEntropyLoss();
  const logs = await fitAsync(model, batches, {
    epochs, optimizer, lossFn: (out, y) => lossFn.forward(out, y), test: new data.DataLoader(test, { batchSize: 500 }),
    batchScheduler: new optim.OneCycleLR(optimizer, { maxLr: o.lr ?? 2e-3, totalSteps: epochs * loader.length, pctStart: 0.1 }),
    progress: o.progress ?? makeProgress(),
    onEpoch: (l) => o.targetAcc !== undefined && (l.testAcc ?? 0) >= o.targetAcc,
  });
  const last = logs[logs.length - 1];
  const spe = logs.reduce((a, l) => a + l.seconds, 0) / logs.length;
  return { logs, testAcc: last.testAcc, secondsPerEpoch: spe, model,
    summary: `vit-mnist (ViT patch 7, width 64, 4 blocks, ${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters): test accuracy ${pct(last.testAcc!)} after ${logs.length} epoch(s) on ${train.length} images, ${spe.toFixed(1)} s per epoch` };
}

// ------------------------------------------------------------------ gpt-char

/** gpt-char's model size; bench/gpt_char.js passes the same to PyTorch. */
export interface GptCharConfig { nLayer: number; nHead: number; nEmbd: number; blockSize: number }
export interface GptCharOptions extends TransformerRecipeOptions, Partial<GptCharConfig> {
  /** Validation windows scored (non-overlapping, from the start of the held-out text). Default 256. */
  valWindows?: number;
}

/** What gpt-char trains on; bench/gpt_char.js writes it for PyTorch, so both see the same batches. */
export interface GptCharData {
  tok: text.CharTokenizer;
  trainIds: Int32Array;
  valIds: Int32Array;
  /** Window starts into trainIds, `batchSize` per step, in training order. */
  starts: Int32Array;
  blockSize: number; batchSize: number; steps: number; valWindows: number;
}

/**
 * gpt-char's data: the State of the Union addresses (oldest first, joined by blank lines; the
 * first `trainLimit` characters when given), the final 5% held out, training windows of
 * `blockSize` (default 128) characters that do not overlap, visited in seeded shuffled passes,
 * `batchSize` (default 32) per step for `steps` (default 2000).
 */
export function gptCharData(o: GptCharOptions = {}): GptCharData {
  let corpus = text.loadSotu().map((s) => s.text).join('\n\n');
  if (o.trainLimit !== undefined) corpus = corpus.slice(0, o.trainLimit);
  const tok = text.CharTokenizer.fromText(corpus);
  const ids = Int32Array.from(tok.encode(corpus));
  const cut = Math.floor(ids.length * 0.95);
  const blockSize = o.blockSize ?? 128, batchSize = o.batchSize ?? 32, steps = o.steps ?? 2000;
  const trainIds = ids.subarray(0, cut), valIds = ids.subarray(cut);
  const nWin = Math.floor((trainIds.length - 1) / blockSize);
  if (nWin < batchSize) throw new Error(`gptCharData: ${trainIds.length} training characters make ${nWin} windows of ${blockSize}, fewer than a batch of ${batchSize}`);
  const valWindows = Math.min(o.valWindows ?? 256, Math.floor((valIds.length - 1) / blockSize));
  if (valWindows < 1) throw new Error(`gptCharData: ${valIds.length} validation characters hold no window of ${blockSize}`);
  const gen = new data.Generator(o.seed ?? 0);
  const starts = new Int32Array(steps * batchSize);
  let perm: number[] = [], p = nWin;
  for (let i = 0; i < starts.length; i++) {
    if (p + batchSize > nWin && i % batchSize === 0) { perm = gen.permutation(nWin); p = 0; }
    starts[i] = perm[p++] * blockSize;
  }
  return { tok, trainIds, valIds, starts, blockSize, batchSize, steps, valWindows };
}

/** Windows [x, y] (y = x shifted by one) starting at `starts`. */
function lmBatch(ids: Int32Array, starts: ArrayLike<number>, T: number): [Tensor, Tensor] {
  const x = new Int32Array(starts.length * T), y = new Int32Array(starts.length * T);
  for (let b = 0; b < starts.length; b++) { x.set(ids.subarray(starts[b], starts[b] + T), b * T); y.set(ids.subarray(starts[b] + 1, starts[b] + T + 1), b * T); }
  return [tensor(x, { shape: [starts.length, T], dtype: 'int64' }), tensor(y, { shape: [starts.length, T], dtype: 'int64' })];
}

/** Mean validation cross-entropy (nats per character) over the first `windows` non-overlapping windows. */
export function gptValLoss(model: GPT, ids: Int32Array, T: number, windows: number): number {
  let nats = 0;
  model.eval();
  noGrad(() => {
    for (let s = 0; s < windows; s += 32) tidy(() => {
      const starts = Array.from({ length: Math.min(32, windows - s) }, (_, i) => (s + i) * T);
      const [x, y] = lmBatch(ids, starts, T);
      const out = model.forward(x);
      nats += (nn.functional.crossEntropy(out.reshape([-1, out.shape[2]]), y.reshape([-1])).item() as number) * starts.length;
    });
  });
  model.train();
  return nats / windows;
}

export interface GptCharResult extends RecipeResult { model: GPT; tok: text.CharTokenizer; valLoss: number; sample: string; tokensPerSecond: number; steps: number }

/**
 * gpt-char: a character GPT (4 blocks, 4 heads, width 128, context 128 by default; dropout 0)
 * on the State of the Union addresses, AdamW (lr 1e-3, betas 0.9/0.99, weight decay 0.01),
 * gradients clipped to norm 1, `steps` steps of 32 windows; validation loss (nats/char) on the
 * final 5% and a sample that fills the context after a prompt (temperature 0.8, top-k 20, KV cache).
 * `init`, when given, is called with the fresh model (bench/gpt_char.js saves its weights for PyTorch).
 * ```ts
 * const r = await train.transformerRecipes.trainGptChar({ steps: 500 }); console.log(r.valLoss, r.sample);
 * ```
 */
export async function trainGptChar(o: GptCharOptions & { init?: (m: GPT) => void } = {}): Promise<GptCharResult> {
  const seed = o.seed ?? 0;
  manualSeed(seed);
  const d = gptCharData(o);
  const model = new GPT({ vocabSize: d.tok.vocabSize, blockSize: d.blockSize, nLayer: o.nLayer ?? 4, nHead: o.nHead ?? 4, nEmbd: o.nEmbd ?? 128 });
  o.init?.(model);
  const opt = new optim.AdamW(model.parameters(), { lr: o.lr ?? 1e-3, betas: [0.9, 0.99], weightDecay: 0.01 });
  const t0 = performance.now();
  let last = t0, loss = 0;
  for (let s = 0; s < d.steps; s++) {
    loss = tidy(() => {
      opt.zeroGrad();
      const [x, y] = lmBatch(d.trainIds, d.starts.subarray(s * d.batchSize, (s + 1) * d.batchSize), d.blockSize);
      const out = model.forward(x);
      const l = nn.functional.crossEntropy(out.reshape([-1, out.shape[2]]), y.reshape([-1]));
      const v = l.item() as number;
      if (!Number.isFinite(v)) throw new Error(`trainGptChar: the loss is ${v} at step ${s + 1}; training diverged (try a lower learning rate)`);
      l.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1);
      opt.step();
      return v;
    });
    if ((s + 1) % 100 === 0 || s + 1 === d.steps) say(o, `gpt-char: step ${s + 1}/${d.steps}, train loss ${loss.toFixed(4)} nats/char`);
    if (performance.now() - last > 20) { await new Promise((r) => setImmediate(r)); last = performance.now(); }
  }
  const secs = (performance.now() - t0) / 1000;
  const valLoss = gptValLoss(model, d.valIds, d.blockSize, d.valWindows);
  const prime = 'The State of the Union ';
  const p = d.tok.encode(prime);
  const n = Math.min(300, d.blockSize - p.length);
  manualSeed(seed);
  const outIds = model.generate(tensor(p, { dtype: 'int64' }).reshape([1, p.length]), { maxNewTokens: n, temperature: 0.8, topK: 20 });
  const sample = d.tok.decode(Array.from(outIds.data() as BigInt64Array, Number).slice(p.length));
  outIds.dispose();
  const tps = (d.steps * d.batchSize * d.blockSize) / secs;
  return {
    logs: [], secondsPerEpoch: secs, model, tok: d.tok, valLoss, sample, tokensPerSecond: tps, steps: d.steps,
    summary: `gpt-char (State of the Union, ${d.trainIds.length} train / ${d.valIds.length} validation characters, vocab ${d.tok.vocabSize}; `
      + `GPT ${model.config.nLayer} blocks x ${model.config.nEmbd}, context ${d.blockSize}): validation loss ${valLoss.toFixed(4)} nats/char `
      + `(${(valLoss / Math.LN2).toFixed(3)} bits/char) after ${d.steps} steps, ${Math.round(tps)} tokens/s\n`
      + `  sample (temperature 0.8, top-k 20, seed ${seed}): ${JSON.stringify(prime + sample)}`,
  };
}
