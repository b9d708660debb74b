// data.TextDataset windows and data.padBatch against torch (unfold / pad_sequence, written by
// scripts/gen_text_data_fixtures.py), padCollate through a DataLoader, splitIndices' repeatability
// and disjointness (and agreement with randomSplit), and bad input as named Errors.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as my from '../ts/index';

const { data, text } = my;
const FX = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'text', 'windows.json'), 'utf8'));
const ints = (t: my.Tensor) => Array.from(t.data() as BigInt64Array, Number);
const rows = (t: my.Tensor) => t.toArray() as number[][];

describe('TextDataset: language-model windows equal torch unfold', () => {
  for (const w of FX.windows) {
    it(`seqLen ${w.seqLen}, stride ${w.stride}: ${w.count} windows`, () => {
      const ds = new data.TextDataset(FX.tokens, { seqLen: w.seqLen, stride: w.stride });
      expect(ds.length).toBe(w.count);
      for (let i = 0; i < ds.length; i++) {
        const [x, y] = ds.get(i);
        expect(x.dtype).toBe('int64');
        expect(x.shape).toEqual([w.seqLen]);
        expect(ints(x)).toEqual(w.inputs[i]);
        expect(ints(y)).toEqual(w.targets[i]);
      }
      if (ds.length > 0) {
        const { inputs, targets } = ds.windows();
        expect(inputs.shape).toEqual([w.count, w.seqLen]);
        expect(rows(inputs)).toEqual(w.inputs);
        expect(rows(targets)).toEqual(w.targets);
      }
    });
  }
  it('the stride defaults to seqLen; a Tensor or Int32Array stream gives the same windows', () => {
    const w = FX.windows[0];
    const fromTensor = new data.TextDataset(my.tensor(FX.tokens, { dtype: 'int64' }), { seqLen: 5 });
    const fromTyped = new data.TextDataset(Int32Array.from(FX.tokens), { seqLen: 5 });
    expect(rows(fromTensor.windows().inputs)).toEqual(w.inputs);
    expect(rows(fromTyped.windows().targets)).toEqual(w.targets);
  });
  it('batches through a DataLoader as [B, seqLen] int64, and the shuffled epoch covers every window once', () => {
    const w = FX.windows[1];
    const ds = new data.TextDataset(FX.tokens, { seqLen: 5, stride: 2 });
    const seen: number[][] = [];
    for (const [x, y] of new data.DataLoader(ds, { batchSize: 7, shuffle: true, seed: 3 })) {
      expect(x.shape[1]).toBe(5);
      expect(x.dtype).toBe('int64');
      const xs = rows(x), ys = rows(y);
      xs.forEach((r, b) => { seen.push(r); expect(ys[b]).toEqual(w.targets[w.inputs.findIndex((q: number[]) => q.join() === r.join())]); });
    }
    expect(seen.map((r) => r.join()).sort()).toEqual(w.inputs.map((r: number[]) => r.join()).sort());
  });
  it('char-level stream from a tokenizer: decode(input) + last target char is the text slice', () => {
    const corpus = text.loadMobyDick()[3].text.slice(0, 2000);
    const tok = text.CharTokenizer.fromText(corpus);
    const ds = new data.TextDataset(tok.encode(corpus), { seqLen: 64, stride: 50 });
    const [x, y] = ds.get(7);
    expect(tok.decode(ints(x)) + tok.decode(ints(y)).slice(-1)).toBe(Array.from(corpus).slice(350, 415).join(''));
  });
});

describe('padBatch / padCollate equal torch pad_sequence(batch_first=True)', () => {
  for (const p of FX.pads) {
    it(`paddingValue ${p.paddingValue}`, () => {
      const b = data.padBatch(FX.seqs, { paddingValue: p.paddingValue });
      expect(b.padded.dtype).toBe('int64');
      expect(rows(b.padded)).toEqual(p.padded);
      expect(b.lengths).toEqual(FX.seqs.map((s: number[]) => s.length));
      expect(b.sortedIndices).toEqual([0, 1, 2, 3, 4]);
    });
  }
  it('sort: longest first, stable among equal lengths, rows follow sortedIndices', () => {
    const b = data.padBatch(FX.seqs, { sort: true });
    expect(b.sortedIndices).toEqual([1, 4, 3, 0, 2]);   // lengths 3, 7, 1, 5, 7
    expect(b.lengths).toEqual([7, 7, 5, 3, 1]);
    expect(rows(b.padded)).toEqual(b.sortedIndices.map((i) => FX.pads[0].padded[i]));
  });
  it('as a DataLoader collate over [sequence, label] pairs: labels follow the sorted rows', () => {
    class Seqs extends data.Dataset<[number[], number]> {
      get length() { return FX.seqs.length; }
      get(i: number): [number[], number] { return [FX.seqs[i], i * 10]; }
    }
    const batches = [...new data.DataLoader(new Seqs(), { batchSize: 5, collate: data.padCollate({ sort: true, paddingValue: 99 }) })];
    expect(batches.length).toBe(1);
    const { padded, lengths, labels, sortedIndices } = batches[0];
    expect(rows(padded)).toEqual(sortedIndices.map((i: number) => FX.pads[1].padded[i]));
    expect(lengths).toEqual([7, 7, 5, 3, 1]);
    expect((labels as my.Tensor).dtype).toBe('int64');
    expect(ints(labels as my.Tensor)).toEqual([10, 40, 30, 0, 20]);
  });
  it('sequences of plain sequences; a zero-length sequence is an all-padding row', () => {
    const b = data.padCollate()([[1, 2], Int32Array.of(3), []]);
    expect(rows(b.padded)).toEqual([[1, 2], [3, 0], [0, 0]]);
    expect(b.lengths).toEqual([2, 1, 0]);
  });
});

describe('splitIndices: repeatable train/validation/test splits', () => {
  it('same seed, same split; another seed, another split; disjoint and covering 0..n-1', () => {
    const a = data.splitIndices(1000, [0.8, 0.1, 0.1], 42);
    const b = data.splitIndices(1000, [0.8, 0.1, 0.1], 42);
    const c = data.splitIndices(1000, [0.8, 0.1, 0.1], 43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.map((s) => s.length)).toEqual([800, 100, 100]);
    const all = a.flat();
    expect(new Set(all).size).toBe(1000);
    expect([...all].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
  it('remainders go to the first splits (torch random_split); counts work too', () => {
    expect(data.splitIndices(11, [0.5, 0.3, 0.2], 0).map((s) => s.length)).toEqual([6, 3, 2]);
    expect(data.splitIndices(10, [7, 2, 1], 0).map((s) => s.length)).toEqual([7, 2, 1]);
    expect(data.splitIndices(0, [0.5, 0.5], 0)).toEqual([[], []]);
  });
  it('the same indices as randomSplit under the same seed', () => {
    const ds = new data.TensorDataset(my.arange(0, 37).reshape([37, 1]));
    const subsets = data.randomSplit(ds, [0.7, 0.2, 0.1], { seed: 5 });
    expect(data.splitIndices(37, [0.7, 0.2, 0.1], 5)).toEqual(subsets.map((s) => s.indices));
  });
});

describe('bad input is a named Error', () => {
  it('TextDataset', () => {
    expect(() => new data.TextDataset([1, 2, 3], { seqLen: 0 })).toThrow(/^TextDataset: seqLen must be an integer >= 1, got 0$/);
    expect(() => new data.TextDataset([1, 2, 3], { seqLen: 2, stride: 1.5 })).toThrow(/^TextDataset: stride must be an integer >= 1, got 1\.5$/);
    expect(() => new data.TextDataset([1, -2, 3], { seqLen: 2 })).toThrow(/^TextDataset: tokens\[1\] = -2 is not a token id/);
    expect(() => new data.TextDataset([1, 2.5], { seqLen: 2 })).toThrow(/^TextDataset: tokens\[1\] must be an integer token id, got 2\.5$/);
    expect(() => new data.TextDataset('abc' as never, { seqLen: 2 })).toThrow(/^TextDataset: tokens must be an array of token ids/);
    expect(() => new data.TextDataset(Float32Array.of(1, 2), { seqLen: 1 })).toThrow(/^TextDataset: tokens must be an array of token ids/);
    expect(() => new data.TextDataset(my.ones([2, 3]), { seqLen: 1 })).toThrow(/^TextDataset: tokens must be a 1-d tensor of token ids, got shape \[2, 3\]$/);
    expect(() => new data.TextDataset(my.ones([3]), { seqLen: 1 })).toThrow(/^TextDataset: tokens must be an integer tensor, got float32$/);
    expect(() => new data.TextDataset([1, 2, 3], undefined as never)).toThrow(/^TextDataset: options \{ seqLen, stride\? \} are required, got undefined$/);
    const ds = new data.TextDataset([1, 2, 3, 4], { seqLen: 2 });
    expect(() => ds.get(1)).toThrow(/^TextDataset: index 1 out of range for length 1$/);
  });
  it('padBatch, padCollate, splitIndices', () => {
    expect(() => data.padBatch([])).toThrow(/^padBatch: empty batch$/);
    expect(() => data.padBatch('ab' as never)).toThrow(/^padBatch: expected an array of sequences, got "ab"$/);
    expect(() => data.padBatch([[1], [2, 'x']] as never)).toThrow(/^padBatch: sequence 1\[1\] must be an integer token id, got "x"$/);
    expect(() => data.padBatch([[1]], { paddingValue: -1 })).toThrow(/^padBatch: paddingValue must be an integer id >= 0, got -1$/);
    expect(() => data.padCollate()([[[1], 0], [2, 3, 4]])).toThrow(/^padCollate: item 1 is not a \[sequence, label\] pair like item 0$/);
    expect(() => data.splitIndices(10, [0.5, 0.4])).toThrow(/^splitIndices: sizes must be fractions summing to 1 or counts summing to n = 10, got \[0\.5, 0\.4\] \(sum 0\.9\)$/);
    expect(() => data.splitIndices(-1, [1])).toThrow(/^splitIndices: n must be an integer in \[0, 2\^32 - 1\], got -1$/);
    expect(() => data.splitIndices(2 ** 53, [1])).toThrow(/^splitIndices: n must be an integer in \[0, 2\^32 - 1\], got 9007199254740992$/);
    expect(() => data.splitIndices(10, [NaN, 1])).toThrow(/^splitIndices: sizes\[0\] must be a number >= 0, got NaN$/);
    expect(() => data.splitIndices(10, [1], NaN)).toThrow(/^splitIndices: seed must be a finite number, got NaN$/);
  });
});
