// myelin.data against numpy (scripts/gen_data_fixtures.py reads the same raw files):
// MNIST and Boston contents, DataLoader/Dataset semantics, normalize and Standardizer.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as my from '../ts/index';

const { data } = my;
const FX = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'data.json'), 'utf8'));
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);
const close = (got: ArrayLike<number>, want: number[], tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
};

describe('MNIST matches numpy on the raw IDX files', () => {
  for (const split of ['train', 'test'] as const) {
    it(`${split}: shapes, label histogram, first labels, pixel sums`, () => {
      const want = FX.mnist[split];
      const { images, labels } = data.loadMnist({ split });
      expect(images.shape).toEqual([want.n, 1, 28, 28]);
      expect(images.dtype).toBe('float32');
      expect(labels.shape).toEqual([want.n]);
      expect(labels.dtype).toBe('int64');
      const lab = Array.from(labels.data() as BigInt64Array, Number);
      expect(lab.slice(0, 20)).toEqual(want.first_labels);
      const hist = new Array(10).fill(0);
      for (const l of lab) hist[l]++;
      expect(hist).toEqual(want.histogram);
      const px = images.data() as Float32Array;
      let total = 0, min = Infinity, max = -Infinity;
      for (let i = 0; i < px.length; i++) { const v = Math.round(px[i] * 255); total += v; if (px[i] < min) min = px[i]; if (px[i] > max) max = px[i]; }
      expect(total).toBe(want.total_pixel_sum);
      expect(min).toBe(0);
      expect(max).toBe(1);
      for (const [i, s] of Object.entries(want.pixel_sums)) {
        let sum = 0;
        for (let k = 0; k < 784; k++) sum += Math.round(px[Number(i) * 784 + k] * 255);
        expect(sum).toBe(s);
      }
      images.dispose(); labels.dispose();
    });
  }
  it('readIdx gives the raw uint8 pixels', () => {
    const r = data.readIdx(join(data.defaultMnistRoot(), 't10k-images-idx3-ubyte'));
    expect(r).toMatchObject({ type: 'uint8', shape: [10000, 28, 28] });
    let s = 0;
    for (let k = 0; k < 784; k++) s += r.data[9999 * 784 + k];
    expect(s).toBe(FX.mnist.test.pixel_sums['9999']);
  });
  it('each call returns fresh tensors: disposing one does not break the next', () => {
    const a = data.loadMnist({ split: 'test' });
    a.images.dispose(); a.labels.dispose();
    const b = data.loadMnist({ split: 'test' });
    expect(Number(b.labels.select(0, 0).item())).toBe(FX.mnist.test.first_labels[0]);
    b.images.dispose(); b.labels.dispose();
  });
});

describe('Boston matches numpy on the JSON', () => {
  it('shapes, first row, column means, target mean', () => {
    const { features, target, featureNames } = data.loadBoston();
    const want = FX.boston;
    expect(features.shape).toEqual([want.n, 13]);
    expect(target.shape).toEqual([want.n]);
    expect(features.dtype).toBe('float32');
    expect(featureNames).toEqual(want.feature_names);
    close(features.select(0, 0).data() as Float32Array, want.first_row, 1e-6);
    expect(target.select(0, 0).item()).toBeCloseTo(want.first_target, 5);
    close(features.double().mean(0).data() as Float64Array, want.column_means, 1e-6);
    expect(target.double().mean().item()).toBeCloseTo(want.target_mean, 5);
  });
});

// A Dataset that is not a TensorDataset, so the loader takes the generic get()/collate path.
class Wrapped extends data.Dataset<my.Tensor[]> {
  constructor(private readonly ts: my.Tensor[]) { super(); }
  get length() { return this.ts[0].shape[0]; }
  get(i: number) { return this.ts.map((t) => t.select(0, i)); }
}
const ids = (n: number) => my.arange(n).reshape([n, 1]);
const col = (t: my.Tensor) => Array.from(t.data() as BigInt64Array, Number);
const epoch = (loader: data.DataLoader) => [...loader].flatMap((b) => col((b as my.Tensor[])[0]));

describe('DataLoader', () => {
  it('length, dropLast and the last partial batch', () => {
    const ds = new data.TensorDataset(ids(10), my.zeros(10, 3));
    const a = new data.DataLoader(ds, { batchSize: 4 });
    expect(a.length).toBe(3);
    const batches = [...a] as my.Tensor[][];
    expect(batches.map((b) => b[1].shape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    expect(epoch(a)).toEqual([...Array(10).keys()]);
    const d = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(d.length).toBe(2);
    expect([...d].length).toBe(2);
    expect(new data.DataLoader(ds).length).toBe(10);
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize should be a positive integer/);
  });
  it('shuffle: each index once per epoch, same order for the same seed, new order per epoch', () => {
    const ds = new data.TensorDataset(ids(50));
    const l1 = new data.DataLoader(ds, { batchSize: 7, shuffle: true, seed: 3 });
    const l2 = new data.DataLoader(ds, { batchSize: 7, shuffle: true, seed: 3 });
    const e1 = epoch(l1), e2 = epoch(l1);
    expect([...e1].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect([...e2].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(e1).not.toEqual([...Array(50).keys()]);
    expect(e2).not.toEqual(e1);
    expect(epoch(l2)).toEqual(e1);
    expect(epoch(l2)).toEqual(e2);
    expect(epoch(new data.DataLoader(ds, { batchSize: 7, shuffle: true, seed: 4 }))).not.toEqual(e1);
  });
  it('without a seed, manualSeed makes shuffling repeatable', () => {
    const ds = new data.TensorDataset(ids(30));
    my.manualSeed(11);
    const a = epoch(new data.DataLoader(ds, { batchSize: 5, shuffle: true }));
    my.manualSeed(11);
    const b = epoch(new data.DataLoader(ds, { batchSize: 5, shuffle: true }));
    expect(a).toEqual(b);
  });
  it('fast path batches equal generic-path batches (shuffled, Subset too)', () => {
    const x = my.randn(23, 2, 3), y = my.arange(23);
    const fast = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 5, shuffle: true, seed: 9 });
    const slow = new data.DataLoader(new Wrapped([x, y]), { batchSize: 5, shuffle: true, seed: 9 });
    const fb = [...fast] as my.Tensor[][], sb = [...slow] as my.Tensor[][];
    expect(fb.length).toBe(5);
    fb.forEach((b, k) => {
      expect(b[0].shape).toEqual(sb[k][0].shape);
      expect(b[0].toArray()).toEqual(sb[k][0].toArray());
      expect(b[1].toArray()).toEqual(sb[k][1].toArray());
    });
    const idx = [4, 0, 22, 7, 7, 13];
    const sf = [...new data.DataLoader(new data.Subset(new data.TensorDataset(x, y), idx), { batchSize: 4 })] as my.Tensor[][];
    const ss = [...new data.DataLoader(new data.Subset(new Wrapped([x, y]), idx), { batchSize: 4 })] as my.Tensor[][];
    expect(sf.map((b) => b[1].toArray())).toEqual([[4, 0, 22, 7], [7, 13]]);
    sf.forEach((b, k) => expect(b[0].toArray()).toEqual(ss[k][0].toArray()));
  });
  it('default collate: [tensor, number] and {x, y}', () => {
    class Pairs extends data.Dataset<[my.Tensor, number]> {
      get length() { return 3; }
      get(i: number): [my.Tensor, number] { return [my.full([2], i, { dtype: 'float32' }), i * 10]; }
    }
    const [xb, yb] = [...new data.DataLoader(new Pairs(), { batchSize: 3 })][0] as my.Tensor[];
    expect(xb.shape).toEqual([3, 2]);
    expect(xb.toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(yb.dtype).toBe('int64');
    expect(yb.toArray()).toEqual([0, 10, 20]);
    class Dicts extends data.Dataset<{ x: my.Tensor; y: number }> {
      get length() { return 2; }
      get(i: number) { return { x: my.full([1, 2], i + 0.5, { dtype: 'float32' }), y: i + 0.25 }; }
    }
    const b = [...new data.DataLoader(new Dicts(), { batchSize: 2 })][0] as { x: my.Tensor; y: my.Tensor };
    expect(b.x.shape).toEqual([2, 1, 2]);
    expect(b.y.dtype).toBe('float32');
    expect(b.y.toArray()).toEqual([0.25, 1.25]);
    expect(() => data.defaultCollate(['a'])).toThrow(/defaultCollate: batch must contain/);
  });
  it('custom collate', () => {
    const l = new data.DataLoader(new data.TensorDataset(ids(5)), { batchSize: 2, collate: (items) => items.length });
    expect([...l]).toEqual([2, 2, 1]);
  });
});

describe('Dataset, Subset, randomSplit', () => {
  it('TensorDataset checks dim 0 and indices', () => {
    expect(() => new data.TensorDataset(my.zeros(3, 2), my.zeros(4))).toThrow(/size mismatch between tensors: tensor 0 has 3 rows, tensor 1 has 4/);
    const ds = new data.TensorDataset(my.arange(3));
    expect(ds.get(2)[0].item()).toBe(2);
    expect(() => ds.get(3)).toThrow(/index 3 out of range for length 3/);
  });
  it('randomSplit: sizes, disjoint cover, deterministic, fractions', () => {
    const ds = new data.TensorDataset(my.arange(10));
    const [a, b] = data.randomSplit(ds, [7, 3], { seed: 1 });
    expect([a.length, b.length]).toEqual([7, 3]);
    expect([...a.indices, ...b.indices].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    const [a2] = data.randomSplit(ds, [7, 3], { seed: 1 });
    expect(a2.indices).toEqual(a.indices);
    expect(data.randomSplit(ds, [7, 3], { seed: 2 })[0].indices).not.toEqual(a.indices);
    // 0.34*10 = 3.4 -> 3 etc.; remainder 1 goes to the first split (as torch).
    const f = data.randomSplit(ds, [0.34, 0.33, 0.33], { seed: 0 });
    expect(f.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(new Set(f.flatMap((s) => s.indices)).size).toBe(10);
    expect(() => data.randomSplit(ds, [5, 4])).toThrow(/sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/);
  });
});

describe('transforms vs numpy', () => {
  const T = FX.transforms;
  it('Standardizer fit/transform/inverse (population std, zero std -> 1)', () => {
    const m = my.tensor(T.matrix, { dtype: 'float64' });
    const sc = new data.Standardizer().fit(m);
    close(sc.mean!.data() as Float64Array, T.mean, 1e-12);
    close(sc.std!.data() as Float64Array, T.std, 1e-12);
    const z = sc.transform(m);
    close(z.data() as Float64Array, flat(T.standardized), 1e-12);
    close(sc.inverse(z).data() as Float64Array, flat(T.matrix), 1e-12);
    expect(() => new data.Standardizer().transform(m)).toThrow(/call fit\(\) first/);
  });
  it('normalize per channel and with scalars', () => {
    const x = my.tensor(T.images, { dtype: 'float64' });
    close(data.normalize(x, T.channel_mean, T.channel_std).data() as Float64Array, flat(T.normalized), 1e-12);
    close(data.normalize(x, 0.1307, 0.3081).data() as Float64Array, flat(T.scalar_normalized), 1e-12);
    close(data.normalize(x.float(), T.channel_mean, T.channel_std).data() as Float32Array, flat(T.normalized), 1e-5);
    expect(() => data.normalize(x, [0, 1], [1, 1])).toThrow(/mean has 2 values but input has 3 channels/);
    expect(() => data.normalize(x, 0, 0)).toThrow(/division by zero/);
  });
});

describe('DataLoader batches own their memory', () => {
  it('unshuffled fast-path batches do not alias the dataset', () => {
    const x = my.arange(0, 6, 1, { dtype: 'float32' }).reshape([6, 1]);
    const [b] = [...new data.DataLoader(new data.TensorDataset(x), { batchSize: 3 })][0] as my.Tensor[];
    expect(b.sharesStorageWith(x)).toBe(false);
    expect(b.toArray()).toEqual([[0], [1], [2]]);
  });
});

describe('DataLoader leaks no tensors', () => {
  it('fast path (shuffled and not) and Subset: only the yielded batches stay alive', () => {
    const x = my.randn(20, 3), y = my.arange(20);
    const ds = new data.TensorDataset(x, y);
    for (const loader of [
      new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1 }),
      new data.DataLoader(ds, { batchSize: 6 }),
      new data.DataLoader(new data.Subset(ds, [3, 1, 2]), { batchSize: 2 }),
    ]) {
      const before = my.memory().numTensors;
      for (const batch of loader) {
        expect(my.memory().numTensors).toBe(before + 2);
        for (const t of batch as my.Tensor[]) t.dispose();
      }
      expect(my.memory().numTensors).toBe(before);
    }
  });
});

describe('data helpers leak no tensors and do not share cached memory', () => {
  it('normalize and Standardizer leave only their results alive', () => {
    const x = my.randn(4, 3, 2, 2, { dtype: 'float64' });
    const before = my.memory().numTensors;
    const y = data.normalize(x, [0.1, 0.2, 0.3], [1, 2, 3]);
    expect(my.memory().numTensors).toBe(before + 1);
    y.dispose();
    const m = my.randn(5, 3);
    const n0 = my.memory().numTensors;
    const sc = new data.Standardizer().fit(m).fit(m);
    expect(my.memory().numTensors).toBe(n0 + 2);
    sc.dispose();
    expect(my.memory().numTensors).toBe(n0);
  });
  it('in-place edits to loaded MNIST tensors do not reach the cache', () => {
    const a = data.loadMnist({ split: 'test' });
    a.images.mul_(0); a.labels.add_(1);
    const b = data.loadMnist({ split: 'test' });
    expect(Number(b.labels.select(0, 0).item())).toBe(FX.mnist.test.first_labels[0]);
    expect(Math.round((b.images.select(0, 0).sum().item() as number) * 255)).toBe(FX.mnist.test.pixel_sums['0']);
  });
});

describe('randomShift (augmentation)', () => {
  it('translates each sample by up to maxShift pixels, filling the border, seeded', () => {
    const N = 16, H = 5, W = 6, m = 2, fill = -7;
    const x = my.arange(N * H * W).float().reshape([N, 1, H, W]);
    my.manualSeed(3);
    const y = my.data.randomShift(x, m, { fill, groups: 4 });
    expect([...y.shape]).toEqual([N, 1, H, W]);
    const xs = x.toArray() as number[][][][], ys = y.toArray() as number[][][][];
    const shifts = new Set<string>();
    for (let n = 0; n < N; n++) {
      // the output is x shifted by (dy, dx) in [-m, m]: find it and check every pixel
      const hit = [];
      for (let dy = -m; dy <= m; dy++) for (let dx = -m; dx <= m; dx++) {
        let ok = true;
        for (let i = 0; i < H && ok; i++) for (let j = 0; j < W && ok; j++) {
          const si = i - dy, sj = j - dx;
          const want = si >= 0 && si < H && sj >= 0 && sj < W ? xs[n][0][si][sj] : fill;
          ok = ys[n][0][i][j] === want;
        }
        if (ok) hit.push(`${dy},${dx}`);
      }
      expect(hit.length, `sample ${n} is not a shift of its input`).toBe(1);
      shifts.add(hit[0]);
    }
    expect(shifts.size).toBeGreaterThan(1);  // groups get their own shifts
    my.manualSeed(3);
    expect(my.data.randomShift(x, m, { fill, groups: 4 }).toArray()).toEqual(ys);
    expect(() => my.data.randomShift(x.reshape([N, H, W]), 1)).toThrow(/^randomShift: expected \[N, C, H, W\]/);
  });
});
