// jit.trace: a traced graph replays the function's native ops on new inputs and gives what
// the eager module gives (the same kernels in the same order: equal to the bit), refuses
// inputs of another shape, dtype or count, and refuses what it cannot replay at trace time.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';
import { jit, nn, models } from '../ts/index';

const vals = (t: my.Tensor): number[] => Array.from(t.contiguous().data() as Float32Array);
/** float32 whatever the literal (integer literals are int64 in this version). */
const f32 = (v: my.NestedArray): my.Tensor => my.tensor(v, { dtype: 'float32' });

describe('jit.trace gives the eager outputs', () => {
  it('MNIST MLP (Sequential of Linear/ReLU), batch 1 and 4', () => {
    my.manualSeed(1);
    const m = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)).eval();
    for (const n of [1, 4]) {
      const g = jit.trace(m, my.randn(n, 784));
      for (let k = 0; k < 3; k++) {
        const x = my.randn(n, 784);
        const y = g.run(x) as my.Tensor;
        expect(y.shape).toEqual([n, 10]);
        const want = vals(m.forward(x) as my.Tensor);
        // batch 1 runs the replay plan's fused GEMV (graph_linear.test.ts): its sums are in
        // another order than eager's, so equal within float32 rounding; batch 4 runs as traced
        if (n === 1 && k > 0) vals(y).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5 * (1 + Math.abs(want[i]))));
        else expect(vals(y)).toEqual(want);
      }
    }
  });

  it('LeNet-5 (conv, relu, max pool, flatten, linear)', () => {
    my.manualSeed(2);
    const net = new models.LeNet5().eval();
    const g = jit.trace(net, my.randn(2, 1, 28, 28));
    expect(g.ops.map((s) => s.id)).toContain('conv2d');
    expect(g.ops.map((s) => s.id)).toContain('max_pool2d');
    const x = my.randn(2, 1, 28, 28);
    expect(vals(g.run(x) as my.Tensor)).toEqual(vals(net.forward(x)));
  });

  it('a function of two inputs with two outputs (max along a dim: the indices slot is kept)', () => {
    const f = (a: my.Tensor, b: my.Tensor) => [a.matmul(b), a.add(1).max(1).indices];
    const g = jit.trace(f, [my.randn(3, 4), my.randn(4, 2)]);
    const a = my.randn(3, 4), b = my.randn(4, 2);
    const [p, i] = g.run(a, b) as my.Tensor[];
    const [p0, i0] = f(a, b);
    expect(vals(p)).toEqual(vals(p0));
    expect(Array.from(i.data() as BigInt64Array)).toEqual(Array.from(i0.data() as BigInt64Array));
  });

  it('in-place ops on tensors the trace made are replayed; constant pad and cat too', () => {
    const f = (x: my.Tensor) => { const y = x.mul(2); y.add_(1).relu_(); return y.pad([1, 1], { value: -3 }); };
    const g = jit.trace(f, f32([[1, -2, 3]]));
    expect(vals(g.run(f32([[-4, 5, 0.5]])) as my.Tensor)).toEqual([-3, 0, 11, 2, -3]);
  });

  it('runAsync gives run\'s result', async () => {
    const g = jit.trace((x: my.Tensor) => x.exp().sum(1), my.randn(2, 3));
    const x = f32([[0, 1, 2], [-1, 0, 1]]);
    expect(vals(await g.runAsync(x) as my.Tensor)).toEqual(vals(g.run(x) as my.Tensor));
  });

  it('data-dependent control flow is traced once (the example\'s branch), as torch.jit.trace', () => {
    const f = (x: my.Tensor) => ((x.sum().item() as number) > 0 ? x.mul(2) : x.mul(-1));
    const g = jit.trace(f, f32([1, 2]));
    expect(vals(g.run(f32([-1, -2])) as my.Tensor)).toEqual([-2, -4]);  // eager would give [1, 2]
  });

  it('holds its constants: disposing a captured tensor does not break the graph; in-place updates of it are seen', () => {
    const w = f32([[1, 0], [0, 1]]);
    const g = jit.trace((x: my.Tensor) => x.matmul(w), f32([[1, 2]]));
    my.noGrad(() => w.mul_(3));
    expect(vals(g.run(f32([[1, 2]])) as my.Tensor)).toEqual([3, 6]);
    w.dispose();
    expect(vals(g.run(f32([[2, 1]])) as my.Tensor)).toEqual([6, 3]);
  });

  it('an output that is an input comes back as its own tensor; runs free their intermediates', () => {
    const g = jit.trace((x: my.Tensor, y: my.Tensor) => [x, y.exp().log().add(x)], [my.ones(2), my.ones(2)]);
    const x = f32([1, 2]), y = f32([0, 0]);
    const before = my.memory().numTensors;
    for (let k = 0; k < 5; k++) {
      const [a, b] = g.run(x, y) as my.Tensor[];
      expect(Array.from(a.data())).toEqual([1, 2]);
      expect(Array.from(b.data())).toEqual([1, 2]);  // log(exp(0)) + x
      a.dispose(); b.dispose();
    }
    expect(my.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    expect(vals(x)).toEqual([1, 2]);
  });
});

describe('graph.toString and graph.ops', () => {
  it('one line per op over numbered slots; constants are %c', () => {
    const w = f32([[1, 2], [3, 4]]);
    const g = jit.trace((x: my.Tensor) => x.matmul(w).relu().sum([1], { keepdim: true }), my.ones(3, 2));
    expect(g.toString()).toBe([
      'graph(%0: float32[3, 2]) {',
      '  %c1 = constant float32[2, 2]',
      '  %2 = matmul(%0, %c1)',
      '  %3 = relu(%2)',
      '  %4 = sum(%3, [1], true)',
      '  return %4',
      '}',
    ].join('\n'));
    expect(g.ops).toEqual([
      { id: 'matmul', args: [{ slot: 0 }, { slot: 1 }], outs: [2], inPlace: false },
      { id: 'relu', args: [{ slot: 2 }], outs: [3], inPlace: false },
      { id: 'sum', args: [{ slot: 3 }, [1], true], outs: [4], inPlace: false },
    ]);
  });
  it('multi-output and in-place steps', () => {
    const g = jit.trace((x: my.Tensor) => { const y = x.neg(); y.mul_(2); return y.max(0).values; }, my.ones(2, 3));
    expect(g.toString().split('\n').slice(1, -2)).toEqual(['  %1 = neg(%0)', '  mul(%1, 2, %1)  # in place', '  %2, %3 = max(%1, 0, false)']);
  });
});

describe('bad inputs throw named errors', () => {
  const g = jit.trace((x: my.Tensor) => x.mul(2), my.ones(2, 3));
  it('run and runAsync check count, type, liveness, dtype and shape', async () => {
    const d = my.ones(2, 3); d.dispose();
    const cases: [unknown[], RegExp][] = [
      [[], /^graph\.run: expected 1 input \(as traced\), got 0$/],
      [[my.ones(2, 3), my.ones(2, 3)], /^graph\.run: expected 1 input \(as traced\), got 2$/],
      [[[1, 2, 3]], /^graph\.run: input 0 must be a Tensor, got \[1, 2, 3\]$/],
      [[d], /^graph\.run: input 0 is a disposed tensor$/],
      [[my.ones(2, 3, { dtype: 'float64' })], /^graph\.run: input 0 has dtype float64, but the graph was traced with float32/],
      [[my.ones(4, 3)], /^graph\.run: input 0 has shape \[4, 3\], but the graph was traced with \[2, 3\]/],
    ];
    for (const [args, re] of cases) expect(() => g.run(...(args as my.Tensor[]))).toThrow(re);
    await expect(g.runAsync(d)).rejects.toThrow(/^graph\.runAsync: input 0 is a disposed tensor$/);
    await expect(g.runAsync(my.ones(1))).rejects.toThrow(/^graph\.runAsync: input 0 has shape \[1\]/);
    const w = my.ones(3), g2 = jit.trace((x: my.Tensor) => x.mul(w), my.ones(3));
    const before = my.memory().numTensors;
    g2.dispose();
    expect(my.memory().numTensors).toBe(before - 1);  // its view of w
    expect(() => g2.run(my.ones(3))).toThrow(/^graph\.run: the graph was disposed$/);
  });
  it('trace checks its arguments and the function\'s result', () => {
    const d = my.ones(1); d.dispose();
    expect(() => jit.trace(42 as never, my.ones(1))).toThrow(/^jit\.trace: moduleOrFn must be a Module or a function, got 42$/);
    expect(() => jit.trace((x: my.Tensor) => x, [d])).toThrow(/^jit\.trace: exampleInputs\[0\] is a disposed tensor$/);
    expect(() => jit.trace((x: my.Tensor) => x, [3 as never])).toThrow(/^jit\.trace: exampleInputs\[0\] must be a Tensor, got 3$/);
    expect(() => jit.trace(() => 3 as never, my.ones(1))).toThrow(/^jit\.trace: the traced function must return a Tensor or a non-empty array of Tensors, got 3$/);
  });
  it('what cannot be replayed throws at trace time: randomness, in-place writes into inputs or constants', () => {
    const m = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));  // training mode
    expect(() => jit.trace(m, my.ones(1, 4))).toThrow(/^jit\.trace: rand is not traceable \(random values would be frozen into the graph; trace in eval mode\)$/);
    expect(() => jit.trace(m.eval(), my.ones(1, 4))).not.toThrow();
    expect(() => jit.trace((x: my.Tensor) => x.add_(1), my.ones(2))).toThrow(/^jit\.trace: add_ writes in place into an input; it is not traceable/);
    expect(() => jit.trace((x: my.Tensor) => x.view(2).zero_(), my.ones(2))).toThrow(/^jit\.trace: fill_ writes in place into an input/);
    const c = my.ones(2);
    expect(() => jit.trace((x: my.Tensor) => c.mul_(x), my.ones(2))).toThrow(/^jit\.trace: mul_ writes in place into a constant/);
    expect(() => jit.trace((x: my.Tensor) => { const y = x.mul(1); y.maskedFill_(y.gt(0), 0); return y; }, my.ones(2)))
      .toThrow(/^jit\.trace: masked_fill_ is not traceable/);
  });
});
