// models.GPT against torch (test/fixtures/gpt.json, scripts/gen_gpt_fixtures.py, float64): the same
// nanoGPT layout loaded with torch's weights gives torch's logits, loss and every gradient (the tied
// head included); the KV cache reproduces uncached logits; top-k / top-p filtering against HF's
// warpers; seeded generation repeats; bad input names the class and the value.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as my from '../ts/index';
import { nn } from '../ts/index';
import { GPT, KVCache, topKFilter, topPFilter } from '../ts/models/gpt';

type Num = number | string;
interface Arr { shape: number[]; data: Num[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gpt.json'), 'utf8')) as any;
const val = (v: Num): number => (v === '-inf' ? -Infinity : v === 'inf' ? Infinity : (v as number));
const T = (a: Arr): my.Tensor => my.tensor(Float64Array.from(a.data, val), { dtype: 'float64' }).reshape(a.shape);
const ids = (v: number[][]): my.Tensor => my.tensor(v, { dtype: 'int64' });

function maxDiff(got: my.Tensor, want: Arr): number {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.contiguous().to('float64').data() as Float64Array;
  let d = 0;
  want.data.forEach((w, i) => {
    const wv = val(w);
    if (!Number.isFinite(wv)) expect(g[i]).toBe(wv);
    else d = Math.max(d, Math.abs(g[i] - wv));
  });
  return d;
}
function torchGpt(): GPT {
  const m = new GPT(fx.config).double();
  expect([...m.stateDict().keys()].sort()).toEqual(Object.keys(fx.state).sort());   // nanoGPT's keys, no separate head
  m.loadStateDict(Object.fromEntries(Object.entries(fx.state as Record<string, Arr>).map(([k, v]) => [k, T(v)])), { strict: true });
  return m.eval();
}

describe('GPT vs torch', () => {
  it('logits, loss and every gradient (tied head) match torch float64', () => {
    const m = torchGpt();
    const logits = m.forward(ids(fx.ids));
    expect(maxDiff(logits, fx.logits)).toBeLessThan(1e-10);
    const loss = nn.functional.crossEntropy(logits.reshape([-1, fx.config.vocabSize]), ids(fx.targets).reshape([-1]));
    expect(Math.abs((loss.item() as number) - fx.loss)).toBeLessThan(1e-10);
    loss.backward();
    const named = Object.fromEntries(m.namedParameters());
    expect(Object.keys(named).sort()).toEqual(Object.keys(fx.grads).sort());
    for (const [k, g] of Object.entries(fx.grads as Record<string, Arr>)) expect(maxDiff(named[k].grad!, g), k).toBeLessThan(1e-9);
  });
  it('the lm head is the token embedding (weight tying)', () => {
    const m = new GPT({ vocabSize: 7, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8 });
    expect(m.parameters().length).toBe(m.stateDict().size);
    const before = m.forward(ids([[1, 2]])).select(1, 1).select(0, 0).data() as Float32Array;
    // token 3 is not in the input, so its embedding row reaches the output only as the head's row 3
    my.noGrad(() => m.wte.weight.select(0, 3).mul_(50));
    const after = m.forward(ids([[1, 2]])).select(1, 1).select(0, 0).data() as Float32Array;
    expect(after[3] / before[3]).toBeCloseTo(50, 3);
    expect(after[4]).toBeCloseTo(before[4], 6);
  });
});

describe('GPT KV cache', () => {
  it('cached logits equal the uncached recomputation, a prefix then token by token', () => {
    const m = torchGpt();
    const seq = [[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]];
    const full = m.forward(ids(seq));
    const cache = new KVCache(8);
    const parts = [m.forward(ids(seq.map((r) => r.slice(0, 3))), { cache })];
    expect(cache.length).toBe(3);
    parts.push(m.forward(ids(seq.map((r) => r.slice(3, 5))), { cache }));   // two at once: the offset mask
    for (let t = 5; t < 8; t++) parts.push(m.forward(ids(seq.map((r) => [r[t]])), { cache }));
    expect(cache.length).toBe(8);
    const got = my.cat(parts, 1);
    const d = (got.sub(full).abs().max().item() as number);
    expect(d).toBeLessThan(1e-12);
    cache.dispose();
  });
  it('generate with and without the cache draws the same tokens; manualSeed repeats it', () => {
    const m = new GPT({ vocabSize: 11, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 });
    const prompt = ids([[1, 2, 3], [4, 5, 6]]);
    const run = (useCache: boolean, seed: number) => { my.manualSeed(seed); return Array.from(m.generate(prompt, { maxNewTokens: 10, temperature: 1.5, useCache }).data() as BigInt64Array, Number); };
    const a = run(true, 7), b = run(false, 7), c = run(true, 7), d = run(true, 8);
    expect(a.length).toBe(2 * 13);
    expect(a.slice(0, 3)).toEqual([1, 2, 3]);
    expect(a).toEqual(b);
    expect(a).toEqual(c);
    expect(a).not.toEqual(d);
    expect(m.training).toBe(true);   // generate restores the mode
  });
  it('greedy (temperature 0) picks the argmax of the uncached logits', () => {
    const m = torchGpt();
    const out = Array.from(m.generate(ids([[5, 3]]), { maxNewTokens: 4, temperature: 0 }).data() as BigInt64Array, Number);
    let seq = [5, 3];
    for (let i = 0; i < 4; i++) {
      const l = m.forward(ids([seq])).select(1, seq.length - 1).reshape([-1]);
      seq = [...seq, Number(l.argmax().item())];
    }
    expect(out).toEqual(seq);
  });
  it('top-k 1 sampling is greedy', () => {
    const m = torchGpt();
    my.manualSeed(3);
    const a = m.generate(ids([[5, 3]]), { maxNewTokens: 5, topK: 1 }).data();
    const b = m.generate(ids([[5, 3]]), { maxNewTokens: 5, temperature: 0 }).data();
    expect(Array.from(a as BigInt64Array)).toEqual(Array.from(b as BigInt64Array));
  });
});

describe('top-k / top-p filtering vs HF warpers (torch)', () => {
  const logits = T(fx.filters.logits);
  for (const c of fx.filters.topK) it(`topK ${c.k}`, () => { expect(maxDiff(topKFilter(logits, c.k), c.out)).toBe(0); });
  for (const c of fx.filters.topP) it(`topP ${c.p}`, () => { expect(maxDiff(topPFilter(logits, c.p), c.out)).toBe(0); });
  it('top-p with mass 1 keeps everything; in float32 too', () => {
    expect(maxDiff(topPFilter(logits, 1), fx.filters.logits)).toBe(0);
    const c = fx.filters.topP[2];
    expect(maxDiff(topPFilter(logits.float(), c.p), c.out)).toBeLessThan(1e-6);
  });
});

describe('GPT bad input', () => {
  const m = new GPT({ vocabSize: 11, blockSize: 6, nLayer: 1, nHead: 2, nEmbd: 8 });
  it('a sequence past the position table', () => {
    expect(() => m.forward(ids([[1, 2, 3, 4, 5, 6, 7]]))).toThrow(/GPT: position 6 is past the position table \(blockSize 6/);
    const cache = new KVCache(6);
    m.forward(ids([[1, 2, 3, 4]]), { cache });
    expect(() => m.forward(ids([[1, 2, 3]]), { cache })).toThrow(/GPT: position 6 is past the position table.*4 cached \+ 3 new/);
    cache.dispose();
  });
  it('a KV cache past its size', () => {
    const cache = new KVCache(3);
    m.forward(ids([[1, 2]]), { cache });
    expect(() => m.forward(ids([[1, 2]]), { cache })).toThrow(/KVCache: 4 positions would overflow the cache of 3/);
    expect(() => new KVCache(0)).toThrow(/KVCache.*maxLen/);
    cache.dispose();
  });
  it('generate past the table, bad sampling options', () => {
    const p = ids([[1, 2]]);
    expect(() => m.generate(p, { maxNewTokens: 5 })).toThrow(/GPT.generate: 2 prompt \+ 5 new tokens exceed the position table/);
    expect(() => m.generate(p, { maxNewTokens: 2, topP: 0 })).toThrow(/GPT.generate: topP must be in \(0, 1\], got 0/);
    expect(() => m.generate(p, { maxNewTokens: 2, topP: 1.5 })).toThrow(/topP must be in \(0, 1\], got 1.5/);
    expect(() => m.generate(p, { maxNewTokens: 2, topK: 0 })).toThrow(/GPT.generate.*topK/);
    expect(() => m.generate(p, { maxNewTokens: 2, temperature: -1 })).toThrow(/GPT.generate.*temperature/);
    expect(() => m.generate(p, { maxNewTokens: -1 })).toThrow(/GPT.generate.*maxNewTokens/);
    expect(() => topKFilter(T(fx.filters.logits), 0)).toThrow(/topKFilter.*k/);
    expect(() => topPFilter(T(fx.filters.logits), 2)).toThrow(/topPFilter: p must be in \(0, 1\], got 2/);
  });
  it('bad ids and config', () => {
    expect(() => m.forward(my.tensor([[0.5, 1]]))).toThrow(/GPT: ids must be int64 or int32, got float32/);
    expect(() => m.forward(ids([[1, 2]]).reshape([2]))).toThrow(/GPT: ids must be \[batch, time\], got \[2\]/);
    expect(() => m.forward(ids([[1]]), { cache: {} as any })).toThrow(/GPT: cache must be a KVCache/);
    expect(() => new GPT({ vocabSize: 11, blockSize: 6, nHead: 3, nEmbd: 8 })).toThrow(/GPT: nEmbd \(8\) must be divisible by nHead \(3\)/);
    expect(() => new GPT({ vocabSize: 0, blockSize: 6 })).toThrow(/GPT.*vocabSize/);
  });
});
