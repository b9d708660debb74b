// The native graph executor (native/core/graph.cpp, the binding's graph_* exports), driven
// by hand-written step lists: outputs equal to the eager calls, bad inputs named errors, the
// async run off the JS thread, and graph handles freed by the GC.
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import * as m from '../ts/index';
import { native, type Handle, type GraphHandle } from '../ts/binding';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const T = (h: Handle) => new m.Tensor(h);
const vals = (t: m.Tensor) => Array.from(t.data() as Float32Array);
const s = (slot: number) => ({ slot });
type Step = [string, unknown[], (number | null)[]];

// x [B, 4] -> Linear(4, 8) -> relu -> Linear(8, 3); slots: 0 x, 1-4 weights, 5.. intermediates
function mlp(batch = 2) {
  m.manualSeed(7);
  const [w1, b1, w2, b2] = [m.randn(4, 8), m.randn(8), m.randn(8, 3), m.randn(3)];
  const steps: Step[] = [
    ['matmul', [s(0), s(1)], [5]],
    ['add', [s(5), s(2)], [6]],
    ['relu', [s(6)], [7]],
    ['matmul', [s(7), s(3)], [8]],
    ['add', [s(8), s(4)], [9]],
  ];
  const g = native.graph_new(10, [[1, w1._h], [2, b1._h], [3, w2._h], [4, b2._h]], steps, [0], [9], [['float32', [batch, 4]]]);
  const eager = (x: m.Tensor) => x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
  return { g, eager };
}

describe('graph_run', () => {
  it('replays a 2-layer MLP (matmul, add, relu) equal to the eager calls', () => {
    const { g, eager } = mlp();
    const x = m.randn(2, 4);
    const [y] = native.graph_run(g, [x._h]);
    expect(T(y).shape).toEqual([2, 3]);
    expect(vals(T(y))).toEqual(vals(eager(x)));
    // a second run with other values reuses the graph
    const x2 = m.randn(2, 4);
    expect(vals(T(native.graph_run(g, [x2._h])[0]))).toEqual(vals(eager(x2)));
  });

  it('replays conv2d + relu + max_pool2d (a dropped tuple result), with attributes decoded once', () => {
    m.manualSeed(3);
    const w = m.randn(2, 1, 3, 3), b = m.randn(2);
    const steps: Step[] = [
      ['conv2d', [s(0), s(1), s(2), [1, 1], [1, 1], [1, 1], 1], [3]],
      ['relu', [s(3)], [4]],
      ['max_pool2d', [s(4), [2, 2], [2, 2], [0, 0], [1, 1], false], [5, null]],
      ['mul', [s(5), 2], [6]],                       // a JS number: a wrapped scalar, made once
      ['sum', [s(6), [2, 3], false], [7]],           // int[]? and bool attributes
    ];
    const g = native.graph_new(8, [[1, w._h], [2, b._h]], steps, [0], [5, 7], [['float32', [1, 1, 6, 6]]]);
    const x = m.randn(1, 1, 6, 6);
    const [pool, total] = native.graph_run(g, [x._h]).map(T);
    const want = m.maxPool2d(m.conv2d(x, w, b, { padding: 1 }).relu(), 2);
    expect(pool.shape).toEqual([1, 2, 3, 3]);
    expect(vals(pool)).toEqual(vals(want));
    expect(vals(total)).toEqual(vals(want.mul(2).sum([2, 3])));
  });

  it('takes tensor lists (cat) and returns inputs and constants as outputs', () => {
    const c = m.tensor([9], { dtype: 'float32' });
    const g = native.graph_new(4, [[1, c._h]], [['cat', [[s(0), s(1), s(0)], 0], [2]]], [0], [2, 0, 1], [['float32', [2]]]);
    const x = m.tensor([1, 2], { dtype: 'float32' });
    const [y, xin, cout] = native.graph_run(g, [x._h]).map(T);
    expect(vals(y)).toEqual([1, 2, 9, 1, 2]);
    expect(vals(xin)).toEqual([1, 2]);
    expect(vals(cout)).toEqual([9]);
  });

  it('throws named errors for inputs of another shape, dtype or count, non-tensors and disposed tensors', () => {
    const { g } = mlp(1);
    expect(() => native.graph_run(g, [m.randn(2, 4)._h])).toThrow(/^graph: input 0 has shape \[2, 4\], the graph was traced with \[1, 4\]$/);
    expect(() => native.graph_run(g, [m.randn(1, 4).double()._h])).toThrow(/^graph: input 0 has dtype float64, the graph was traced with float32$/);
    expect(() => native.graph_run(g, [])).toThrow(/^graph: expected 1 inputs, got 0$/);
    expect(() => native.graph_run(g, [3 as never])).toThrow(/^graph: input 0 must be a tensor, got the number 3/);
    expect(() => native.graph_run(g, 'x' as never)).toThrow(/^graph: the inputs must be an array of tensors, got a string$/);
    const x = m.randn(1, 4);
    const h = x._h;
    x.dispose();
    expect(() => native.graph_run(g, [h])).toThrow(/^graph: input 0 is a disposed tensor$/);
    expect(() => native.graph_run(m.randn(1)._h as never, [])).toThrow(/^graph_run: argument 0 must be a graph, got a foreign external$/);
    native.graph_dispose(g);
    expect(() => native.graph_run(g, [m.randn(1, 4)._h])).toThrow(/^graph: the graph was disposed$/);
  });

  it('refuses malformed step lists when the graph is made, naming the step', () => {
    const mk = (steps: Step[], n = 4, outs = [1]) => () => native.graph_new(n, [], steps, [0], outs, [['float32', [2, 3]]]);
    expect(mk([['conv3d', [s(0)], [1]]])).toThrow(/^graph_new: step 0: the op must be an op id \(native\/ops.def\), got 'conv3d'$/);
    expect(mk([['transpose', [s(0), 0.5, 1], [1]]])).toThrow(/^graph_new: step 0 \(transpose\): transpose: argument 1 must be an integer, got the number 0.5/);
    expect(mk([['relu', [s(2)], [1]]])).toThrow(/^graph: step 0 \(relu\) reads slot 2 before anything writes it$/);
    expect(mk([['relu', [s(9)], [1]]])).toThrow(/^graph_new: step 0 \(relu\): relu: argument 0 names slot 9, outside the graph's 4 slots$/);
    expect(mk([['relu', [3], [1]]])).toThrow(/^graph_new: step 0 \(relu\): relu: argument 0 must be a tensor slot \{ slot: k \}, got the number 3/);
    expect(mk([['max', [s(0), 0, false], [1]]])).toThrow(/^graph_new: step 0 \(max\): expected 2 out slots, got 1$/);
    expect(mk([['relu', [s(0)], [1]]], 4, [3])).toThrow(/^graph: output slot 3 is never written$/);
    expect(mk([['from_array', [new Float32Array(6), [2, 3], 'float32'], [1]]])).toThrow(/a graph cannot hold an op that reads a TypedArray/);
    expect(() => native.graph_new(2, [[0, 5 as never]], [], [], [0], [])).toThrow(/^graph_new: constant 0's tensor must be a tensor, got the number 5/);
    expect(() => native.graph_new(2, [], [], [0], [0], [])).toThrow(/^graph_new: argument 5 has 0 entries for 1 inputs$/);
    expect(() => native.graph_new(-1, [], [], [], [], [])).toThrow(/^graph_new: argument 0 must be a slot count/);
  });

  it('a step that fails at run time throws its op error (and a dropped result read later is named)', () => {
    const w = m.ones(1, 1, 1, 1);
    const steps: Step[] = [
      ['conv2d_backward', [s(0), s(0), s(1), [1, 1], [0, 0], [1, 1], 1, false, true, false], [2, 3, 4]],
      ['neg', [s(2)], [5]],
    ];
    const g = native.graph_new(6, [[1, w._h]], steps, [0], [5], [['float32', [1, 1, 2, 2]]]);
    expect(() => native.graph_run(g, [m.ones(1, 1, 2, 2)._h])).toThrow(/^graph: step 1 \(neg\) reads slot 2, which holds no tensor$/);
  });
});

describe('graph_run_async', () => {
  it('gives the sync results, and disposing an input while it runs is safe', async () => {
    const { g, eager } = mlp();
    const x = m.randn(2, 4);
    const want = vals(eager(x));
    const p = native.graph_run_async(g, [x._h]);
    x.dispose();
    native.graph_dispose(g);  // the run holds the graph too
    const [y] = await p;
    expect(vals(T(y))).toEqual(want);
  });

  it('keeps the event loop free: a setInterval ticks during a long run', async () => {
    m.manualSeed(1);
    const n = 256;
    const w = m.randn(n, n).mul(1 / Math.sqrt(n));
    const x = m.randn(n, n);
    // a chain of matmuls long enough for ~150 ms on this machine, whatever its speed
    for (let k = 0; k < 3; k++) x.matmul(w).dispose();  // warm (the first matmul is slow)
    let perOp = Infinity;
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      x.matmul(w).dispose();
      perOp = Math.min(perOp, performance.now() - t0);
    }
    // the calibration can be off when the machine's load changes: lengthen the chain until a run takes > 40 ms
    let chain = Math.min(4000, Math.max(20, Math.ceil(200 / Math.max(perOp, 0.01))));
    let ticks = 0, asyncMs = 0;
    for (let attempt = 0; attempt < 6; attempt++, chain *= 2) {
      const steps: Step[] = Array.from({ length: chain }, (_, k) => ['matmul', [s(k === 0 ? 0 : k + 1), s(1)], [k + 2]] as Step);
      const g = native.graph_new(chain + 2, [[1, w._h]], steps, [0], [chain + 1], [['float32', [n, n]]]);
      ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      const t1 = performance.now();
      const [y] = await native.graph_run_async(g, [x._h]);
      asyncMs = performance.now() - t1;
      clearInterval(timer);
      expect(T(y).shape).toEqual([n, n]);
      native.graph_dispose(g);
      if (asyncMs > 40) break;
    }
    expect(asyncMs, `${chain} matmuls`).toBeGreaterThan(40);
    // a loop blocked for the whole run would tick at most once
    expect(ticks, `${chain} matmuls took ${asyncMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(5);
  });

  it('rejects with the named error of a step that fails, and throws at once for bad inputs', async () => {
    const steps: Step[] = [['conv2d_backward', [s(0), s(0), s(1), [1, 1], [0, 0], [1, 1], 1, false, true, false], [2, 3, 4]], ['neg', [s(2)], [5]]];
    const g = native.graph_new(6, [[1, m.ones(1, 1, 1, 1)._h]], steps, [0], [5], [['float32', [1, 1, 2, 2]]]);
    await expect(native.graph_run_async(g, [m.ones(1, 1, 2, 2)._h])).rejects.toThrow(/^graph: step 1 \(neg\) reads slot 2, which holds no tensor$/);
    expect(() => native.graph_run_async(g, [m.ones(1, 1, 3, 2)._h])).toThrow(/^graph: input 0 has shape \[1, 1, 3, 2\]/);
    const x = m.ones(1, 1, 2, 2);
    const h = x._h;
    x.dispose();
    expect(() => native.graph_run_async(g, [h])).toThrow(/^graph: input 0 is a disposed tensor$/);
  });
});

describe('graph handles', () => {
  it('are freed with the GC, releasing their constants', () => {
    gc();
    const before = m.memory().numBytes;
    (() => {
      for (let k = 0; k < 50; k++) {
        const w = m.randn(256, 256);  // 256 KiB each, held only by its graph once w is gone
        const g: GraphHandle = native.graph_new(3, [[1, w._h]], [['matmul', [s(0), s(1)], [2]]], [0], [2], [['float32', [1, 256]]]);
        w.dispose();
        expect(T(native.graph_run(g, [m.ones(1, 256)._h])[0]).shape).toEqual([1, 256]);
      }
    })();
    gc();
    gc();
    expect(m.memory().numBytes - before).toBeLessThan(256 * 256 * 4 * 5);
  });
});
