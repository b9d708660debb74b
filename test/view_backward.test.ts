// The gradients of the view ops narrow, select and slice (ts/autograd/derivatives.ts viewBack: dy
// copied into that view of zeros, torch's slice_backward) and of the ops built on them (chunk, split,
// and select for each index, torch's unbind): each against the gradient written out by hand, float64 gradcheck, and second order
// (createGraph runs the index_add form, which must agree).
import { describe, it, expect } from 'vitest';
import { Tensor, randn, zeros, autograd } from '../ts/index';

const vals = (t: Tensor): number[] => [...(t.to('float64').data() as Float64Array)].map((v) => v + 0);  // -0 as 0
/** x [3, 5, 4] float64 leaf and the hand-written gradient of sum(view(x) * w): w's values placed where the view reads. */
const x0 = (): Tensor => randn([3, 5, 4], { dtype: 'float64', requiresGrad: true });

describe('view backward: narrow / select / slice', () => {
  const cases: [string, (t: Tensor) => Tensor, (i: number, j: number, k: number) => number[] | null][] = [
    // [name, view, where element (i, j, k) of x sits in the view (null: not read)]
    ['narrow(1, 1, 3)', (t) => t.narrow(1, 1, 3), (i, j, k) => (j >= 1 && j < 4 ? [i, j - 1, k] : null)],
    ['narrow(-1, 2, 2)', (t) => t.narrow(-1, 2, 2), (i, j, k) => (k >= 2 ? [i, j, k - 2] : null)],
    ['select(1, -2)', (t) => t.select(1, -2), (i, j, k) => (j === 3 ? [i, k] : null)],
    ['select(0, 0)', (t) => t.select(0, 0), (i, j, k) => (i === 0 ? [j, k] : null)],
    ['slice(1, 0, 5, 2)', (t) => t.slice(1, 0, 5, 2), (i, j, k) => (j % 2 === 0 ? [i, j / 2, k] : null)],
    ['slice(2, -3, 100, 1)', (t) => t.slice(2, -3, 100, 1), (i, j, k) => (k >= 1 ? [i, j, k - 1] : null)],
  ];
  for (const [name, view, where] of cases) {
    it(`${name}: the gradient, gradcheck and createGraph`, () => {
      const x = x0(), v = view(x), w = randn([...v.shape], { dtype: 'float64' });
      v.mul(w).sum().backward();
      const wv = vals(w), strides = v.shape.map((_, d) => v.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 4; k++) {
        const at = where(i, j, k);
        expected.push(at ? wv[at.reduce((a, c, d) => a + c * strides[d], 0)] : 0);
      }
      expect(vals(x.grad!)).toEqual(expected);
      expect(autograd.gradcheck((t) => view(t).square(), [x0()])).toBe(true);
      // createGraph: the differentiable form gives the same gradient, and its own derivative
      const x2 = x0();
      const [g] = autograd.grad(view(x2).square().sum(), [x2], { createGraph: true });
      const [gg] = autograd.grad(g!.sum(), [x2]);
      const read = zeros([3, 5, 4], { dtype: 'float64' });
      view(read).fill_(1);
      expect(vals(g!)).toEqual(vals(x2.detach().mul(2).mul(read)));
      expect(vals(gg!)).toEqual(vals(read.mul(2)));
    });
  }
});

describe('view backward: chunk / split / select of every index', () => {
  it('chunk(3, 1) and split([1, 3], 2): each piece gets its gradient, the rest of x zero', () => {
    const x = x0();
    const [a, , c] = x.chunk(3, 1);  // sizes 2, 2, 1
    a.mul(2).sum().add(c.mul(3).sum()).backward();
    const e: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 4; k++) e.push(j < 2 ? 2 : j === 4 ? 3 : 0);
    expect(vals(x.grad!)).toEqual(e);
    const y = x0(), [p, q] = y.split([1, 3], 2);
    p.mul(-1).sum().add(q.sum()).backward();
    expect(vals(y.grad!)).toEqual(Array.from({ length: 60 }, (_, n) => (n % 4 === 0 ? -1 : 1)));
    expect(autograd.gradcheck((t) => { const [u, v] = t.split([1, 3], 2); return u.mul(v.sum(2, { keepdim: true })); }, [x0()])).toBe(true);
  });
  it('every select along dim 0 (torch.unbind; myelin has no unbind): gradcheck over all pieces', () => {
    expect(autograd.gradcheck((t) => { const [u, v, w] = [0, 1, 2].map((i) => t.select(0, i)); return u.mul(v).sub(w.square()); }, [x0()])).toBe(true);
  });
});
