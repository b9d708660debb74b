// models.Bert / BertForMaskedLM / BertForSequenceClassification against the same tiny BERT built in
// torch (test/fixtures/bert.json, scripts/gen_bert_fixtures.py, float64): MLM logits and loss, the
// classifier's logits and loss, gradients of every parameter (the tied token embedding included);
// BERT's masking rates; the tokenizer's specials; bad input is a named Error; a reduced bert-spam run.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { models, data } from '../ts/index';
import { trainBertSpam } from '../ts/train/bert_recipes';
// reduced-size training: MYELIN_SKIP_LONG_TRAINING=1 (CI's all-built-in pass) skips it
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;

/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'bert.json'), 'utf8')) as any;
interface Arr { shape: number[]; data: number[] }
const F64 = (a: Arr): my.Tensor => my.tensor(Float64Array.from(a.data), { dtype: 'float64' }).reshape(a.shape);
const I64 = (rows: number[][]): my.Tensor => my.tensor(rows.flat(), { dtype: 'int64' }).reshape([rows.length, rows[0].length]);
function maxDiff(got: my.Tensor, want: Arr): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().to('float64').data() as Float64Array;
  let d = 0;
  for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - want.data[i]));
  expect(Number.isNaN(d)).toBe(false);
  return d;
}
function load(m: my.nn.Module): void {
  // torch's state dict lists the tied decoder weight under both names, as myelin's; the fixture stores it once
  const state = { ...fx.state, 'cls.decoder.weight': fx.state['bert.embeddings.word_embeddings.weight'] };
  const own = [...m.stateDict().keys()];
  for (const k of own) expect(state[k], k).toBeDefined();   // myelin's keys are the torch model's
  m.loadStateDict(Object.fromEntries(own.map((k) => [k, F64(state[k])])), { strict: true });
}
const fwd = () => ({ tokenTypeIds: I64(fx.tokenTypeIds), attentionMask: I64(fx.attentionMask) });

describe('BERT matches torch (float64)', () => {
  it('BertForMaskedLM: logits, loss and the gradient of every parameter (the decoder tied to the token embedding)', () => {
    const m = new models.BertForMaskedLM(fx.config).double();
    expect(m.cls.decoder.weight).toBe(m.bert.embeddings.word_embeddings.weight);
    load(m);
    const logits = m.forward(I64(fx.ids), fwd());
    expect(maxDiff(logits, fx.mlmLogits)).toBeLessThan(1e-10);
    const loss = m.loss(logits, I64(fx.labels));
    expect(Math.abs(Number(loss.item()) - fx.mlmLoss)).toBeLessThan(1e-11);
    loss.backward();
    // the pooler takes no part in the MLM loss: no gradient there, as torch's None
    const named = Object.fromEntries(m.namedParameters().filter(([k]) => !k.startsWith('bert.pooler.')));
    expect(m.bert.pooler.dense.weight.grad).toBeNull();
    const want = fx.grads.mlm;
    expect(Object.keys(named).sort()).toEqual(Object.keys(want).filter((k) => !k.startsWith('classifier')).sort());
    for (const k of Object.keys(named)) expect(maxDiff(named[k].grad!, want[k]), k).toBeLessThan(1e-10);
  });
  it('BertForSequenceClassification: pooled [CLS] logits, loss and gradients', () => {
    const m = new models.BertForSequenceClassification(fx.config).double();
    load(m);
    const logits = m.forward(I64(fx.ids), fwd());
    expect(maxDiff(logits, fx.clfLogits)).toBeLessThan(1e-10);
    const loss = m.loss(logits, my.tensor(fx.clsLabels, { dtype: 'int64' }));
    expect(Math.abs(Number(loss.item()) - fx.clfLoss)).toBeLessThan(1e-11);
    loss.backward();
    for (const [k, p] of m.namedParameters()) expect(maxDiff(p.grad!, fx.grads.clf[k]), k).toBeLessThan(1e-10);
  });
  it('the padding mask matters: without it the padded row differs from torch\'s', () => {
    const m = new models.BertForMaskedLM(fx.config).double();
    load(m);
    const logits = my.noGrad(() => m.forward(I64(fx.ids), { tokenTypeIds: I64(fx.tokenTypeIds) }));
    expect(maxDiff(logits, fx.mlmLogits)).toBeGreaterThan(1e-3);
  });
});

describe('BERT masking and tokens', () => {
  it('maskTokens: 15% of ordinary tokens chosen, 80% [MASK] / 10% random / 10% kept; specials never', () => {
    const V = 1000, rows = Array.from({ length: 200 }, (_, i) => [2, ...Array.from({ length: 100 }, (_, j) => 5 + ((i * 131 + j * 17) % 995)), 3]);
    const { inputIds, labels } = models.maskTokens(rows, { vocabSize: V, maskId: 4, specialIds: [0, 1, 2, 3, 4], generator: new data.Generator(7) });
    let chosen = 0, masked = 0, kept = 0, random = 0;
    rows.forEach((r, i) => r.forEach((id, j) => {
      const y = labels[i][j], x = inputIds[i][j];
      if (j === 0 || j === r.length - 1) { expect(y).toBe(-100); expect(x).toBe(id); return; }
      if (y === -100) { expect(x).toBe(id); return; }
      expect(y).toBe(id);
      chosen++;
      if (x === 4) masked++; else if (x === id) kept++; else { random++; expect(x).toBeGreaterThanOrEqual(5); expect(x).toBeLessThan(V); }
    }));
    const n = 200 * 100;   // 20000 tokens: the binomial's standard deviations are about 0.25% and 1.5%
    expect(chosen / n).toBeGreaterThan(0.14); expect(chosen / n).toBeLessThan(0.16);
    expect(masked / chosen).toBeGreaterThan(0.77); expect(masked / chosen).toBeLessThan(0.83);
    expect(kept / chosen).toBeGreaterThan(0.08); expect(kept / chosen).toBeLessThan(0.12);
    expect(random / chosen).toBeGreaterThan(0.08); expect(random / chosen).toBeLessThan(0.12);
  });
  it('bertWordTokenizer puts [PAD] [UNK] [CLS] [SEP] [MASK] first; bertEncode wraps in [CLS] .. [SEP]', () => {
    const tok = models.bertWordTokenizer(['the cat sat', 'the dog'], {});
    expect(tok.vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tok.unkId).toBe(1);
    const ids = models.bertEncode(tok, 'the zebra sat', 16);
    expect(ids).toEqual([2, tok.tokenToId('the'), 1, tok.tokenToId('sat'), 3]);
    expect(models.bertEncode(tok, 'the cat sat the dog', 4)).toEqual([2, tok.tokenToId('the'), tok.tokenToId('cat'), 3]);
  });
});

describe('BERT bad input is a named Error', () => {
  const m = new models.BertForMaskedLM({ vocabSize: 30, hiddenSize: 8, numLayers: 1, numHeads: 2, maxPositions: 6 });
  const ids = my.tensor([[2, 5, 6, 3]], { dtype: 'int64' });
  it('sequence longer than the position table', () => {
    expect(() => m.forward(my.tensor([[2, 5, 6, 7, 8, 9, 3]], { dtype: 'int64' }))).toThrow(/Bert: sequence length 7 is longer than the position table's maxPositions 6/);
  });
  it('attention mask or token types of the wrong shape; out-of-range ids', () => {
    expect(() => m.forward(ids, { attentionMask: my.ones([1, 3], { dtype: 'int64' }) })).toThrow(/Bert: attentionMask \[1, 3\] does not fit inputIds \[1, 4\]/);
    expect(() => m.forward(ids, { tokenTypeIds: my.zeros([2, 4], { dtype: 'int64' }) })).toThrow(/Bert: tokenTypeIds must be int64 \[1, 4\]/);
    expect(() => m.forward(ids, { tokenTypeIds: my.full([1, 4], 2, { dtype: 'int64' }) })).toThrow(/token type id 2 is out of range for typeVocabSize 2/);
    expect(() => m.forward(my.tensor([[2, 30]], { dtype: 'int64' }))).toThrow(/Bert: token id 30 is out of range for vocabSize 30/);
    expect(() => m.forward(my.tensor([[2.0, 3.0]]))).toThrow(/Bert: inputIds must be an int64 \[N, S\] tensor, got float32/);
  });
  it('labels out of range or of the wrong shape', () => {
    const logits = my.noGrad(() => m.forward(ids));
    expect(() => m.loss(logits, my.tensor([[-100, 30, -100, -100]], { dtype: 'int64' }))).toThrow(/BertForMaskedLM.loss: label 30 is out of range for 30 classes/);
    expect(() => m.loss(logits, my.tensor([[-100, 3]], { dtype: 'int64' }))).toThrow(/BertForMaskedLM.loss: labels \[1, 2\] do not fit \[1, 4\]/);
    const c = new models.BertForSequenceClassification({ vocabSize: 30, hiddenSize: 8, numLayers: 1, numHeads: 2, numLabels: 2 });
    const l = my.noGrad(() => c.forward(ids));
    expect(() => c.loss(l, my.tensor([2], { dtype: 'int64' }))).toThrow(/BertForSequenceClassification.loss: label 2 is out of range for 2 classes/);
  });
  it("BertForMaskedLM's init keeps the [PAD] row of the tied token embedding at 0 (the head's init redraws that weight)", () => {
    my.manualSeed(3);
    const m = new models.BertForMaskedLM({ vocabSize: 50, hiddenSize: 8, numLayers: 1, numHeads: 2 });
    const w = m.bert.embeddings.word_embeddings.weight;
    expect(Number(w.narrow(0, 0, 1).abs().sum().item())).toBe(0);
    expect(Number(w.narrow(0, 1, 1).abs().sum().item())).toBeGreaterThan(0);
  });
  it('config and masking arguments', () => {
    expect(() => new models.Bert({ vocabSize: 30, hiddenSize: 10, numHeads: 4 })).toThrow(/Bert: hiddenSize 10 is not divisible by numHeads 4/);
    expect(() => models.maskTokens([[1, 2, 99]], { vocabSize: 30, maskId: 4, specialIds: [0], generator: new data.Generator(1) })).toThrow(/maskTokens: row 0 holds id 99, out of range for vocabSize 30/);
    expect(() => models.maskTokens([[1]], { vocabSize: 30, maskId: 40, specialIds: [0], generator: new data.Generator(1) })).toThrow(/maskTokens: maskId 40 is out of range/);
  });
});

long('bert-spam (reduced size)', () => {
  // Measured under load (load average ~14, 361 s): MLM loss 8.736 -> 8.325; pretrained then 100 fine-tuning
  // steps accuracy 91.25% (F1 0.8627), from scratch 92.50% (F1 0.8846); the commoner class alone 65.00%.
  // A torch twin of the recipe on the same tokenized split: 90.00% (F1 0.8400) and 91.25% (F1 0.8627).
  // (At the first version's constant 2e-4 for 60 steps both arms, here and in torch, answered "ham" always.)
  // Which arm wins at this size is noise, so only what is robust is asserted.
  it('MLM pretraining lowers the masked-token loss; both fine-tunes beat the commoner class on the held-out split', async () => {
    const r = await trainBertSpam({
      trainLimit: 400, pretrainSteps: 40, finetuneSteps: 100, finetuneLr: 2e-3, batchSize: 16, maxLen: 32, hidden: 32, layers: 1, log: () => {},
    });
    expect(r.mlmLossEnd).toBeLessThan(r.mlmLossStart - 0.2);
    expect([r.trainSize, r.testSize]).toEqual([320, 80]);
    expect(r.majority).toBeCloseTo(0.65, 5);
    for (const m of [r.pretrained, r.scratch]) {
      expect(m.accuracy).toBeGreaterThan(r.majority + 0.1);
      expect(m.f1).toBeGreaterThan(0.6);
    }
  }, 900_000);
});
