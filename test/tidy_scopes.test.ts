// tidy() scopes as plain arrays with keep() as a mark (ts/memory.ts): which tensors each
// scope frees, counted by live native tensors, for nesting, results that move to the
// parent, keep() from an inner scope, and tidyAsync's nested and concurrent scopes.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';

const live = (): number => my.memory().numTensors;

describe('tidy scopes', () => {
  it('a result moves to the parent scope, which frees it unless it returns it too', () => {
    const n0 = live();
    let inner: my.Tensor | undefined;
    const out = my.tidy(() => {
      inner = my.tidy(() => my.ones(3).mul(2).add(1));   // 3 made, 1 returned
      expect(inner.isDisposed).toBe(false);
      expect(live()).toBe(n0 + 1);
      const r = inner.mul(2);
      return { r, list: [r] };
    });
    expect(inner!.isDisposed).toBe(true);   // the outer scope held it and did not return it
    expect(out.r.isDisposed).toBe(false);
    expect(Array.from(out.r.data() as Float32Array)).toEqual([6, 6, 6]);
    expect(live()).toBe(n0 + 1);
    out.r.dispose();
    expect(live()).toBe(n0);
  });

  it('keep() in an inner scope holds a tensor made in the outer one past both', () => {
    const n0 = live();
    let a!: my.Tensor, b!: my.Tensor;
    my.tidy(() => {
      a = my.ones(2);
      b = my.ones(2).add(1);
      my.tidy(() => { my.keep(a); my.ones(5); });
      expect(a.isDisposed).toBe(false);
    });
    expect(a.isDisposed).toBe(false);
    expect(b.isDisposed).toBe(true);
    expect(live()).toBe(n0 + 1);
    // a kept tensor returned from a later scope is not freed by its parent either
    my.tidy(() => my.tidy(() => a));
    expect(a.isDisposed).toBe(false);
    a.dispose();
    expect(live()).toBe(n0);
  });

  it('a tensor from an outer scope returned by an inner one, and one disposed early, are freed once', () => {
    const n0 = live();
    my.tidy(() => {
      const a = my.ones(2);
      const same = my.tidy(() => { my.ones(1).dispose(); return a; });
      expect(same).toBe(a);
      expect(a.isDisposed).toBe(false);
    });
    expect(live()).toBe(n0);
  });

  it('tidyAsync nested in tidyAsync, concurrent with another, with keep()', async () => {
    const n0 = live();
    const tick = () => new Promise((r) => setTimeout(r, 1));
    let kept!: my.Tensor;
    const job = (k: number) => my.tidyAsync(async () => {
      const x = my.ones(2).mul(k);
      await tick();
      const y = await my.tidyAsync(async () => {
        const t = x.mul(3);
        await tick();
        if (k === 1) kept = my.keep(my.ones(1).add(k));
        return t.add(1);
      });
      await tick();
      return y.mul(2);   // x, y and the inner temporaries go
    });
    const [r1, r2] = await Promise.all([job(1), job(2)]);
    expect(Array.from(r1.data() as Float32Array)).toEqual([8, 8]);
    expect(Array.from(r2.data() as Float32Array)).toEqual([14, 14]);
    expect(Array.from(kept.data() as Float32Array)).toEqual([2]);
    expect(live()).toBe(n0 + 3);
    r1.dispose(); r2.dispose(); kept.dispose();
    expect(live()).toBe(n0);
  });
});
