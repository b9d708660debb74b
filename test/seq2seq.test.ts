// models.Seq2SeqTransformer against the same tiny model in torch (test/fixtures/seq2seq.json,
// scripts/gen_bert_fixtures.py, float64): teacher-forced logits; greedy decoding and beam search
// against a plain-Python reference over torch's log-probabilities; a beam as wide as every
// hypothesis against a brute-force search; beam 1 equals greedy; bad input; a reduced seq2seq-reverse run.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { models } from '../ts/index';
import { trainSeq2SeqReverse } from '../ts/train/bert_recipes';
// reduced-size training: MYELIN_SKIP_LONG_TRAINING=1 (CI's all-built-in pass) skips it
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;

/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'seq2seq.json'), 'utf8')) as any;
interface Arr { shape: number[]; data: number[] }
const F64 = (a: Arr): my.Tensor => my.tensor(Float64Array.from(a.data), { dtype: 'float64' }).reshape(a.shape);
const I64 = (rows: number[][]): my.Tensor => my.tensor(rows.flat(), { dtype: 'int64' }).reshape([rows.length, rows[0].length]);

function tiny(): models.Seq2SeqTransformer {
  const m = new models.Seq2SeqTransformer(fx.config.srcVocab, fx.config.tgtVocab, { ...fx.config, dtype: 'float64' });
  expect([...m.stateDict().keys()].sort()).toEqual(Object.keys(fx.state).sort());   // the tutorial model's keys
  m.loadStateDict(Object.fromEntries(Object.entries(fx.state).map(([k, v]) => [k, F64(v as Arr)])), { strict: true });
  return m.eval();
}
const row = (r: number) => I64([fx.src[r]]);

describe('Seq2SeqTransformer matches torch (float64)', () => {
  const m = tiny();
  it('teacher-forced logits with source and target padding', () => {
    const y = my.noGrad(() => m.forward(I64(fx.src), I64(fx.tgtIn)));
    expect([...y.shape]).toEqual(fx.logits.shape);
    const g = y.data() as Float64Array;
    let d = 0;
    for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - fx.logits.data[i]));
    expect(d).toBeLessThan(1e-10);
  });
  it('greedy decoding (batched, rows of different lengths) equals the reference', () => {
    expect(m.greedyDecode(I64(fx.src), { maxLen: 6, bosId: fx.bos, eosId: fx.eos })).toEqual(fx.greedy);
    expect(fx.greedy.some((g: number[]) => g.length > 2)).toBe(true);   // a non-trivial decode
  });
  it('beam search equals the reference beam (beam 1-4, length penalties 0, 0.6, 1)', () => {
    for (const c of fx.beams) {
      const [h] = m.beamSearch(row(c.row), { beamSize: c.beamSize, maxLen: c.maxLen, lengthPenalty: c.lengthPenalty, bosId: fx.bos, eosId: fx.eos });
      expect(h.tokens, JSON.stringify(c)).toEqual(c.tokens);
      expect(Math.abs(h.score - c.score)).toBeLessThan(1e-9);
    }
    // the fixture shows beam search choosing differently from greedy somewhere
    expect(fx.beams.some((c: any) => c.tokens.join() !== fx.greedy[c.row].join())).toBe(true);
  });
  it('beam 1 is greedy decoding', () => {
    for (let r = 0; r < fx.src.length; r++)
      expect(m.beamSearch(row(r), { beamSize: 1, maxLen: 6, bosId: fx.bos, eosId: fx.eos })[0].tokens).toEqual(m.greedyDecode(row(r), { maxLen: 6, bosId: fx.bos, eosId: fx.eos })[0]);
  });
  it('a beam wide enough to keep every hypothesis finds the brute-force optimum', () => {
    for (const c of fx.brute) {
      const [h] = m.beamSearch(row(c.row), { beamSize: 400, maxLen: c.maxLen, lengthPenalty: c.lengthPenalty, bosId: fx.bos, eosId: fx.eos });
      expect(h.tokens).toEqual(c.tokens);
      expect(Math.abs(h.score - c.score)).toBeLessThan(1e-9);
    }
  });
});

describe('Seq2SeqTransformer bad input is a named Error', () => {
  const m = new models.Seq2SeqTransformer(13, 13, { dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, maxLen: 8 });
  const src = I64([[3, 4, 5]]);
  it('sequences longer than the position table', () => {
    expect(() => m.forward(I64([[3, 4, 5, 6, 7, 8, 9, 10, 11]]), I64([[1, 3]]))).toThrow(/Seq2SeqTransformer.encode: src length 9 is longer than the position table's maxLen 8/);
    expect(() => m.greedyDecode(src, { maxLen: 8, bosId: 1, eosId: 2 })).toThrow(/greedyDecode: maxLen 8 \(plus the begin token\) is longer than the position table's maxLen 8/);
  });
  it('ids out of range, batch sizes that differ, bad beam options', () => {
    expect(() => m.forward(I64([[3, 13]]), I64([[1, 3]]))).toThrow(/src holds token id 13, out of range for vocabulary size 13/);
    expect(() => m.forward(src, I64([[1, 3], [1, 4]]))).toThrow(/Seq2SeqTransformer: src \[1, 3\] and tgtIn \[2, 2\] have different batch sizes/);
    expect(() => m.beamSearch(src, { beamSize: 0, maxLen: 4, bosId: 1, eosId: 2 })).toThrow(/beamSearch.*beamSize/);
    expect(() => m.greedyDecode(src, { maxLen: 4, bosId: 13, eosId: 2 })).toThrow(/bosId 13 \/ eosId 2 out of range for tgtVocab 13/);
    expect(() => new models.Seq2SeqTransformer(13, 13, { dModel: 10, nhead: 4 })).toThrow(/dModel 10 is not divisible by nhead 4/);
  });
});

long('seq2seq-reverse (reduced size)', () => {
  // Measured under load (load average ~13, 150 s): final loss 0.570, exact match greedy 66%, beam-4 74%
  // on 50 held-out sequences (chance is below 1%). The same run without the tutorial's xavier init
  // (xavier: false) reached loss 1.041, greedy 16%, beam-4 14%: the N(0, 1) embeddings times sqrt(dModel)
  // drown the positions. 300 steps is not converged: the bounds check learning, with a margin for noise.
  it('learns to reverse 2-4 digit strings: exact match far above chance on held-out sequences, greedy and beam', async () => {
    const r = await trainSeq2SeqReverse({ steps: 300, minLen: 2, maxLen: 4, testSize: 50, dModel: 32, layers: 1, lr: 2e-3, log: () => {} });
    expect(r.finalLoss).toBeLessThan(0.9);   // ln 13 = 2.56 at the start
    expect(r.greedyAcc).toBeGreaterThan(0.35);
    expect(r.beamAcc).toBeGreaterThan(0.35);
  }, 900_000);
});
