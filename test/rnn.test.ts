// Recurrent layers, cells, packed sequences and embedding bags against PyTorch
// (test/fixtures/rnn.json from scripts/gen_rnn_fixtures.py): torch's state dict loaded with
// loadStateDict (strict), then outputs, final states and the gradients of
// sum(out * R) + sum(hN * S) [+ sum(cN * S2)] for the input, initial states and every weight,
// in float64 (tight) and float32; float64 gradchecks of the step functions and of stacked
// bidirectional packed recurrences; bad input; a flat tensor count over 200 training steps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as my from '../ts/index';
import { nn, type Tensor } from '../ts/index';
import { lstmStep, gruStep, rnnStep, rnnForward, type DirWeights, type RNNMode } from '../ts/nn/rnn';

interface T { shape: number[]; dtype: string; data: number[] }
interface Case {
  name: string; kind: string; args: [number, number]; opts: Record<string, unknown>; state: Record<string, T>;
  x: T; out: T; hN?: T; cN?: T; R: T; S?: T; S2?: T; hx?: T; cx?: T; lengths?: number[];
  gradX: T; gradHx?: T; gradCx?: T; gradParams: Record<string, T>;
}
interface Bag {
  name: string; mode: 'sum' | 'mean' | 'max'; num: number; dim: number; state: Record<string, T>; input: T; offsets?: T;
  paddingIdx?: number; includeLastOffset?: boolean; perSampleWeights?: T; out: T; R: T; gradWeight: T; gradPerSampleWeights?: T;
}
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rnn.json'), 'utf8')) as {
  cases: Case[]; bags: Bag[];
  pretrained: { weight: T; paddingIdx: number; input: T; out: T; R: T; gradWeight: T };
};
type FD = 'float32' | 'float64';
const mk = (s: T, dtype?: FD): Tensor => s.dtype === 'int64'
  ? my.tensor(BigInt64Array.from(s.data, (v) => BigInt(v)), { shape: s.shape, dtype: 'int64' })
  : my.tensor(Float64Array.from(s.data), { shape: s.shape, dtype: 'float64' }).to(dtype ?? 'float32');
const TOL: Record<FD, { rtol: number; atol: number }> = { float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 2e-6 } };

function close(actual: Tensor | null | undefined, exp: T, what: string, dtype: FD): void {
  expect(actual, `${what} missing`).toBeTruthy();
  expect([...actual!.shape], `${what} shape`).toEqual(exp.shape);
  const a = Array.from(actual!.contiguous().data() as ArrayLike<number>, Number), tol = TOL[dtype];
  let worst = 0, wi = -1;
  a.forEach((v, i) => {
    const e = exp.data[i], err = Math.abs(v - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (err > worst || Number.isNaN(v)) { worst = Number.isNaN(v) ? Infinity : err; wi = i; }
  });
  expect(wi, `${what}: element ${wi} is ${a[wi]}, torch ${exp.data[wi]}`).toBe(-1);
}
const stateDict = (s: Record<string, T>, dtype: FD) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, mk(v, dtype)]));

function build(c: Case, dtype: FD): nn.Module {
  const opts = { ...c.opts, dtype };
  switch (c.kind) {
    case 'RNN': return new nn.RNN(c.args[0], c.args[1], opts);
    case 'LSTM': return new nn.LSTM(c.args[0], c.args[1], opts);
    case 'GRU': return new nn.GRU(c.args[0], c.args[1], opts);
    case 'RNNCell': return new nn.RNNCell(c.args[0], c.args[1], opts);
    case 'LSTMCell': return new nn.LSTMCell(c.args[0], c.args[1], opts);
    default: return new nn.GRUCell(c.args[0], c.args[1], opts);
  }
}

describe('recurrent layers and cells vs torch', () => {
  for (const dtype of ['float64', 'float32'] as const)
    for (const c of fx.cases)
      it(`${c.name} (${dtype})`, () => my.tidy(() => {
        const m = build(c, dtype);
        // strict: every key torch wrote exists here with the same shape, and nothing else
        expect(m.loadStateDict(stateDict(c.state, dtype))).toEqual({ missingKeys: [], unexpectedKeys: [] });
        expect([...m.stateDict().keys()]).toEqual(Object.keys(c.state));
        const x = mk(c.x, dtype).requiresGrad_();
        const hx = c.hx ? mk(c.hx, dtype).requiresGrad_() : null, cx = c.cx ? mk(c.cx, dtype).requiresGrad_() : null;
        const isLstm = c.kind.startsWith('LSTM'), isCell = c.kind.endsWith('Cell');
        const arg = hx ? (isLstm ? [hx, cx] : hx) : undefined;
        let out: Tensor, hN: Tensor | null = null, cN: Tensor | null = null;
        if (isCell) {
          const r = (m as unknown as { forward(x: Tensor, h?: unknown): Tensor | [Tensor, Tensor] }).forward(x, arg);
          [out, cN] = Array.isArray(r) ? r : [r, null];
        } else {
          const bf = c.opts.batchFirst === true;
          const input = c.lengths ? nn.utils.rnn.packPaddedSequence(x, c.lengths, { batchFirst: bf, enforceSorted: false }) : x;
          const [o, st] = (m as unknown as { forward(x: unknown, h?: unknown): [Tensor | nn.utils.rnn.PackedSequence, Tensor | [Tensor, Tensor]] }).forward(input, arg);
          out = o instanceof nn.utils.rnn.PackedSequence ? nn.utils.rnn.padPackedSequence(o, { batchFirst: bf })[0] : o;
          [hN, cN] = Array.isArray(st) ? st : [st, null];
        }
        let loss = out.mul(mk(c.R, dtype)).sum();
        if (hN) loss = loss.add(hN.mul(mk(c.S!, dtype)).sum());
        if (cN) loss = loss.add(cN.mul(mk(c.S2!, dtype)).sum());
        loss.backward();
        close(out, c.out, 'output', dtype);
        if (c.hN) close(hN, c.hN, 'hN', dtype);
        if (c.cN) close(cN, c.cN, 'cN', dtype);
        close(x.grad, c.gradX, 'input grad', dtype);
        if (c.gradHx) close(hx!.grad, c.gradHx, 'hx grad', dtype);
        if (c.gradCx) close(cx!.grad, c.gradCx, 'cx grad', dtype);
        const ps = new Map(m.namedParameters());
        expect([...ps.keys()].sort()).toEqual(Object.keys(c.gradParams).sort());
        for (const [k, g] of Object.entries(c.gradParams)) close(ps.get(k)!.grad, g, `grad of ${k}`, dtype);
      }));
});

describe('default initialization and shapes', () => {
  it('every weight is U(-1/sqrt(hidden), 1/sqrt(hidden)) with torch shapes and key order', () => my.tidy(() => {
    my.manualSeed(3);
    const m = new nn.LSTM(6, 16, { numLayers: 2, bidirectional: true, projSize: 4 });
    const keys = [...m.stateDict().keys()];
    expect(keys.slice(0, 5)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_hr_l0']);
    expect(keys).toContain('weight_hh_l1_reverse');
    const sd = m.stateDict();
    expect([...sd.get('weight_ih_l1')!.shape]).toEqual([64, 8]);   // input of layer 1: proj 4 x 2 directions
    expect([...sd.get('weight_hh_l0')!.shape]).toEqual([64, 4]);
    expect([...sd.get('weight_hr_l0_reverse')!.shape]).toEqual([4, 16]);
    for (const [k, p] of sd) {
      const v = Array.from(p.data() as Float32Array);
      expect(Math.max(...v.map(Math.abs)), k).toBeLessThanOrEqual(0.25);
      // a uniform on [-0.25, 0.25] has standard deviation 0.25/sqrt(3)
      if (v.length >= 256) expect(Math.abs(p.std().item() as number - 0.25 / Math.sqrt(3)), k).toBeLessThan(0.02);
    }
  }));
  it('dropout acts between layers in training only, not after the last layer', () => my.tidy(() => {
    my.manualSeed(0);
    const m = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 }), x = my.randn(5, 2, 3);
    const ev = m.eval().forward(x)[0];
    const a = m.train().forward(x)[0], b = m.forward(x)[0];
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(1e-4);          // random masks differ
    expect(ev.sub(m.eval().forward(x)[0]).abs().max().item()).toBe(0);  // eval is deterministic
    // one layer: the dropout option has no layer to act between, so training equals eval
    const one = new nn.GRU(3, 4, { dropout: 0.5 });
    expect(one.train().forward(x)[0].sub(one.eval().forward(x)[0]).abs().max().item()).toBe(0);
  }));
});

describe('nn.utils.rnn', () => {
  const R = nn.utils.rnn;
  it('packSequence / padPackedSequence round trip, torch batch sizes and index order', () => my.tidy(() => {
    const seqs = [2, 4, 1].map((n, i) => my.arange(n * 2).reshape([n, 2]).add(10 * i));
    const p = R.packSequence(seqs, { enforceSorted: false });
    expect(Array.from(p.batchSizes.data() as BigInt64Array, Number)).toEqual([3, 2, 1, 1]);
    expect(Array.from(p.sortedIndices!.data() as BigInt64Array, Number)).toEqual([1, 0, 2]);
    expect(Array.from(p.unsortedIndices!.data() as BigInt64Array, Number)).toEqual([1, 0, 2]);
    // step 0 of sequences 1, 0, 2; step 1 of 1, 0; ...
    expect(p.data.toArray()).toEqual([[10, 11], [0, 1], [20, 21], [12, 13], [2, 3], [14, 15], [16, 17]]);
    const [y, lens] = R.padPackedSequence(p, { batchFirst: true, paddingValue: -1, totalLength: 5 });
    expect(Array.from(lens.data() as BigInt64Array, Number)).toEqual([2, 4, 1]);
    expect([...y.shape]).toEqual([3, 5, 2]);
    expect(y.select(0, 0).toArray()).toEqual([[0, 1], [2, 3], [-1, -1], [-1, -1], [-1, -1]]);
    expect(y.select(0, 2).toArray()).toEqual([[20, 21], [-1, -1], [-1, -1], [-1, -1], [-1, -1]]);
  }));
  it('padSequence pads right or left, time- or batch-first', () => my.tidy(() => {
    const a = my.tensor([1, 2, 3]), b = my.tensor([4]);
    expect(R.padSequence([a, b]).toArray()).toEqual([[1, 4], [2, 0], [3, 0]]);
    expect(R.padSequence([a, b], { batchFirst: true, paddingValue: 9, paddingSide: 'left' }).toArray()).toEqual([[1, 2, 3], [9, 9, 4]]);
  }));
  it('a packed batch runs no step past a sequence end: padding values never matter', () => my.tidy(() => {
    my.manualSeed(1);
    const lstm = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
    const x = my.randn(3, 6, 3), lengths = [6, 2, 4];
    const noisy = x.clone();
    my.noGrad(() => { noisy.select(0, 1).narrow(0, 2, 4).fill_(1e6); noisy.select(0, 2).narrow(0, 4, 2).fill_(-1e6); });
    const run = (t: Tensor) => lstm.forward(R.packPaddedSequence(t, lengths, { batchFirst: true, enforceSorted: false }));
    const [o1, [h1]] = run(x), [o2, [h2]] = run(noisy);
    expect(o1.data.sub(o2.data).abs().max().item()).toBe(0);
    expect(h1.sub(h2).abs().max().item()).toBe(0);
    // and each sequence alone gives its own final state
    const solo = lstm.forward(x.select(0, 1).narrow(0, 0, 2).unsqueeze(0))[1][0];
    expect(h1.select(1, 1).sub(solo.select(1, 0)).abs().max().item()).toBeLessThan(1e-6);
  }));
});

describe('EmbeddingBag and Embedding.fromPretrained vs torch', () => {
  for (const c of fx.bags)
    it(`EmbeddingBag ${c.name}`, () => my.tidy(() => {
      const m = new nn.EmbeddingBag(c.num, c.dim, { mode: c.mode, paddingIdx: c.paddingIdx, includeLastOffset: c.includeLastOffset, dtype: 'float64' });
      m.loadStateDict(stateDict(c.state, 'float64'));
      const w = c.perSampleWeights ? mk(c.perSampleWeights, 'float64').requiresGrad_() : null;
      const out = m.forward(mk(c.input), c.offsets ? mk(c.offsets) : null, w);
      out.mul(mk(c.R, 'float64')).sum().backward();
      close(out, c.out, 'output', 'float64');
      close(m.weight.grad, c.gradWeight, 'weight grad', 'float64');
      if (c.gradPerSampleWeights) close(w!.grad, c.gradPerSampleWeights, 'perSampleWeights grad', 'float64');
    }));
  it('Embedding.fromPretrained: the given table (padding row as given), trainable with freeze false, frozen by default', () => my.tidy(() => {
    const p = fx.pretrained, W = mk(p.weight);
    const e = nn.Embedding.fromPretrained(W, { freeze: false, paddingIdx: p.paddingIdx });
    const out = e.forward(mk(p.input));
    out.mul(mk(p.R)).sum().backward();
    close(out, p.out, 'output', 'float32');
    close(e.weight.grad, p.gradWeight, 'weight grad', 'float32');
    // a copy: training never writes into the caller's table (torch's Parameter shares it)
    expect(e.weight.sharesStorageWith(W)).toBe(false);
    const frozen = nn.Embedding.fromPretrained(W);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.parameters().length).toBe(1);
  }));
});

// ---------------------------------------------------------------- gradchecks (float64)
const f64 = (...shape: number[]) => my.randn(shape, { dtype: 'float64' }).requiresGrad_();
describe('gradcheck (float64)', () => {
  it('rnnStep tanh and relu, lstmStep, gruStep', () => {
    my.manualSeed(5);
    const B = 2, H = 3;
    for (const nl of ['tanh', 'relu'] as const)
      expect(my.autograd.gradcheck((gi, gh) => rnnStep(gi, gh, nl), [f64(B, H), f64(B, H)])).toBe(true);
    expect(my.autograd.gradcheck((gi, gh, c) => { const [h, c2] = lstmStep(gi, gh, c); return my.cat([h, c2], 1); },
      [f64(B, 4 * H), f64(B, 4 * H), f64(B, H)])).toBe(true);
    expect(my.autograd.gradcheck((gi, gh, h) => gruStep(gi, gh, h), [f64(B, 3 * H), f64(B, 3 * H), f64(B, H)])).toBe(true);
  });
  for (const [mode, proj] of [['LSTM', 0], ['GRU', 0], ['LSTM', 2]] as [RNNMode, number][])
    it(`a 2-layer bidirectional packed ${mode}${proj ? ' with projection' : ''}: input, states and every weight`, () => {
      my.manualSeed(7);
      const I = 2, H = 3, P = proj || H, G = mode === 'LSTM' ? 4 : 3, bs = [3, 2, 2, 1], N = 8, B = 3;
      const shapes: number[][] = [];
      for (let l = 0; l < 2; l++) for (let d = 0; d < 2; d++) shapes.push([G * H, l ? 2 * P : I], [G * H, P], [G * H], [G * H], ...(proj ? [[P, H]] : []));
      const per = proj ? 5 : 4;
      const ws = shapes.map((s) => my.randn(s, { dtype: 'float64' }).mul(0.5).requiresGrad_());
      const isL = mode === 'LSTM';
      const inputs = [f64(N, I), f64(4, B, P), ...(isL ? [f64(4, B, H)] : []), ...ws];
      const Rr = my.randn([N, 2 * P], { dtype: 'float64' }), S = my.randn([4, B, P], { dtype: 'float64' });
      const fn = (...xs: Tensor[]) => {
        const [data, h0] = xs, c0 = isL ? xs[2] : null, w = xs.slice(isL ? 3 : 2);
        const weights: DirWeights[][] = [0, 1].map((l) => [0, 1].map((d) => {
          const k = (l * 2 + d) * per;
          return { wIh: w[k], wHh: w[k + 1], bIh: w[k + 2], bHh: w[k + 3], wHr: proj ? w[k + 4] : null };
        }));
        const r = rnnForward(mode, data, bs, h0, c0, weights);
        let s = r.out.mul(Rr).sum().add(r.h.mul(S).sum());
        if (r.c) s = s.add(r.c.mul(2).sum());
        return s;
      };
      expect(my.autograd.gradcheck(fn, inputs)).toBe(true);
    });
});

// ---------------------------------------------------------------- bad input
describe('bad input: each a named Error', () => {
  const R = nn.utils.rnn;
  it('layers', () => my.tidy(() => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
    expect(() => lstm.forward(my.randn(2, 3, 4, 3))).toThrow(/LSTM: expected input to be 2-D \(unbatched\) or 3-D, got 4-D/);
    expect(() => lstm.forward(my.randn(5, 2, 7))).toThrow(/LSTM: input.size\(-1\) must be equal to inputSize. Expected 3, got 7/);
    expect(() => lstm.forward(my.randn(5, 2, 3), [my.zeros(2, 2, 4), my.zeros(1, 2, 4)])).toThrow(/LSTM: expected cx size \[2, 2, 4\], got \[1, 2, 4\]/);
    expect(() => lstm.forward(my.randn(5, 2, 3), [my.zeros(2, 3, 4), my.zeros(2, 2, 4)])).toThrow(/LSTM: expected hx size \[2, 2, 4\], got \[2, 3, 4\]/);
    expect(() => lstm.forward(my.randn(5, 2, 3), [my.zeros(2, 2, 4)] as unknown as [Tensor, Tensor])).toThrow(/LSTM: hx must be a pair \[h0, c0\] of tensors, got 1 entries/);
    expect(() => lstm.forward(my.randn(5, 2, 3), my.zeros(2, 2, 4) as unknown as [Tensor, Tensor])).toThrow(/LSTM: hx must be a pair/);
    expect(() => new nn.GRU(3, 4).forward(my.randn(5, 2, 3), my.zeros(1, 4))).toThrow(/GRU: expected hx size \[1, 2, 4\], got \[1, 4\]/);
    expect(() => new nn.GRU(3, 4).forward(my.randn(0, 2, 3))).toThrow(/GRU: input \[0, 2, 3\] is empty/);
    expect(() => new nn.RNN(3, 4).forward(my.randn(5, 2, 3, { dtype: 'float64' }))).toThrow(/RNN: input is float64 but the layer's weights are float32/);
    expect(() => new nn.RNN(3, 4).forward('x' as unknown as Tensor)).toThrow(/RNN: input must be a Tensor, got "x"/);
    expect(() => new nn.GRU(3, 4, { dropout: 1.5 })).toThrow(/GRU: dropout should be a number in range \[0, 1\].*got 1.5/);
    expect(() => new nn.GRU(3, 4, { dropout: -0.1 })).toThrow(/GRU: dropout should be a number in range/);
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow(/LSTM: projSize has to be smaller than hiddenSize \(4\), got 4/);
    expect(() => new nn.LSTM(3, 4, { projSize: 1.5 })).toThrow(/LSTM: projSize must be an integer/);
    expect(() => new nn.GRU(3, 4, { projSize: 2 } as nn.RNNOptions)).toThrow(/GRU: projSize is only supported by LSTM/);
    expect(() => new nn.RNN(3, 0)).toThrow(/RNN: hiddenSize must be an integer >= 1, got 0/);
    expect(() => new nn.RNN(3, 4, { numLayers: 0 })).toThrow(/RNN: numLayers must be an integer >= 1, got 0/);
    expect(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/RNN: nonlinearity must be one of 'tanh', 'relu', got "sigmoid"/);
    expect(() => new nn.LSTM(3, 4).forward(R.packSequence([my.randn(2, 5)]))).toThrow(/LSTM: input.size\(-1\) must be equal to inputSize. Expected 3, got 5/);
  }));
  it('cells', () => my.tidy(() => {
    expect(() => new nn.LSTMCell(3, 4).forward(my.randn(2, 5))).toThrow(/LSTMCell: input has inconsistent input_size: got 5 expected 3/);
    expect(() => new nn.LSTMCell(3, 4).forward(my.randn(2, 2, 3))).toThrow(/LSTMCell: expected input to be 1-D or 2-D, got 3-D/);
    expect(() => new nn.GRUCell(3, 4).forward(my.randn(2, 3), my.zeros(3, 4))).toThrow(/GRUCell: expected hx size \[2, 4\], got \[3, 4\]/);
    expect(() => new nn.LSTMCell(3, 4).forward(my.randn(2, 3), [my.zeros(2, 4)] as unknown as [Tensor, Tensor])).toThrow(/LSTMCell: hx must be a pair/);
  }));
  it('packing', () => my.tidy(() => {
    const x = my.randn(4, 3, 2);
    expect(() => R.packPaddedSequence(x, [5, 2, 1])).toThrow(/packPaddedSequence: lengths\[0\] is 5, longer than the sequence \(4 steps\)/);
    expect(() => R.packPaddedSequence(x, [2, 4, 1])).toThrow(/packPaddedSequence: lengths must be sorted in decreasing order with enforceSorted/);
    expect(() => R.packPaddedSequence(x, [4, 0, 1], { enforceSorted: false })).toThrow(/packPaddedSequence: lengths\[1\] is 0: every sequence must have a length greater than 0/);
    expect(() => R.packPaddedSequence(x, [4, 2.5, 1])).toThrow(/packPaddedSequence: lengths\[1\] must be an integer, got 2.5/);
    expect(() => R.packPaddedSequence(x, [4, 2])).toThrow(/packPaddedSequence: expected 3 lengths \(the batch size\), got 2/);
    expect(() => R.packPaddedSequence(x, 'a' as unknown as number[])).toThrow(/packPaddedSequence: lengths must be an array/);
    expect(() => R.packSequence([my.randn(2, 3), my.randn(0, 3)])).toThrow(/packSequence: sequences\[1\] is empty/);
    expect(() => R.packSequence([my.randn(2, 3), my.randn(3, 3)])).toThrow(/packPaddedSequence: lengths must be sorted/);
    expect(() => R.padSequence([my.randn(2, 3), my.randn(2, 4)])).toThrow(/padSequence: sequences\[1\] has trailing shape \[4\], sequences\[0\] \[3\]/);
    expect(() => R.padSequence([])).toThrow(/padSequence: sequences must be a non-empty array/);
    const p = R.packSequence([my.randn(3, 2), my.randn(2, 2)]);
    expect(() => R.padPackedSequence(p, { totalLength: 2 })).toThrow(/padPackedSequence: totalLength 2 is shorter than the longest sequence \(3 steps\)/);
    expect(() => R.padPackedSequence({} as nn.utils.rnn.PackedSequence)).toThrow(/padPackedSequence: sequence must be a PackedSequence/);
    expect(() => new R.PackedSequence(my.randn(4, 2), my.tensor([3, 2], { dtype: 'int64' }))).toThrow(/PackedSequence: batchSizes sum to 5 but data has 4 rows/);
    expect(() => new R.PackedSequence(my.randn(5, 2), my.tensor([2, 3], { dtype: 'int64' }))).toThrow(/PackedSequence: batchSizes must be positive and non-increasing/);
  }));
  it('embedding bags', () => my.tidy(() => {
    const bag = new nn.EmbeddingBag(5, 2);
    const i64 = (v: number[]) => my.tensor(v, { dtype: 'int64' });
    expect(() => bag.forward(i64([1, 2]))).toThrow(/EmbeddingBag: offsets has to be a 1-D tensor when input is 1-D/);
    expect(() => bag.forward(i64([1, 7]), i64([0]))).toThrow(/EmbeddingBag: input\[1\] is 7, out of range for 5 embeddings/);
    expect(() => bag.forward(i64([1, 2]), i64([1]))).toThrow(/EmbeddingBag: offsets\[0\] has to be 0/);
    expect(() => bag.forward(i64([1, 2]), i64([0, 3]))).toThrow(/EmbeddingBag: offsets must be non-decreasing and at most input's length 2/);
    expect(() => bag.forward(my.tensor([[1, 2]], { dtype: 'int64' }), i64([0]))).toThrow(/EmbeddingBag: offsets has to be null when input is 2-D/);
    expect(() => bag.forward(my.tensor([1.5]), i64([0]))).toThrow(/EmbeddingBag: input must be int64 or int32, got float32/);
    expect(() => bag.forward(i64([1, 2]), i64([0]), my.ones(2))).toThrow(/EmbeddingBag: perSampleWeights is only supported for mode 'sum'/);
    expect(() => new nn.EmbeddingBag(5, 2, { mode: 'min' as 'sum' })).toThrow(/EmbeddingBag: mode must be one of 'sum', 'mean', 'max', got "min"/);
    expect(() => nn.Embedding.fromPretrained(my.randn(3))).toThrow(/Embedding.fromPretrained: embeddings must be 2-D \[num, dim\], got \[3\]/);
    expect(() => nn.Embedding.fromPretrained(my.randn(3, 2), { paddingIdx: 3 })).toThrow(/Embedding: paddingIdx 3 must be within num_embeddings 3/);
  }));
});

// ---------------------------------------------------------------- memory
describe('memory', () => {
  it('200 LSTM training steps (forward, backward, SGD) inside tidy leave the native tensor count flat', () => {
    my.manualSeed(0);
    const lstm = new nn.LSTM(4, 8, { batchFirst: true, numLayers: 2, bidirectional: true }), head = new nn.Linear(16, 1);
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new my.optim.SGD(params, { lr: 0.01 });
    const x = my.randn(3, 6, 4), y = my.randn(3, 1);
    const step = () => my.tidy(() => {
      opt.zeroGrad();
      const [out] = lstm.forward(x);
      const loss = head.forward(out.select(1, -1)).sub(y).square().mean();
      loss.backward();
      opt.step();
      return loss.item() as number;
    });
    const first = step();
    step();
    const base = my.memory().numTensors;
    let last = first;
    for (let i = 0; i < 200; i++) {
      last = step();
      expect(my.memory().numTensors).toBeLessThanOrEqual(base);
    }
    expect(last).toBeLessThan(first);   // and it trains
  });
});
