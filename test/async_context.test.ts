// Grad mode, tidy scopes and the default device live in an async context: noGrad(async ...)
// and tidyAsync hold across await, and concurrent handlers do not see each other's modes.
import { describe, it, expect } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import * as my from '../ts/index';

const w = () => my.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });

describe('grad mode across await', () => {
  it('noGrad(async) holds across awaits and timers, and only inside', async () => {
    const x = w();
    const seen: boolean[] = [];
    const y = await my.noGrad(async () => {
      seen.push(my.isGradEnabled());
      await sleep(5);
      seen.push(my.isGradEnabled());
      await new Promise<void>((r) => setImmediate(r));
      const t = await new Promise<boolean>((r) => setTimeout(() => r(my.isGradEnabled()), 2));
      seen.push(t);
      return x.mul(2);
    });
    expect(seen).toEqual([false, false, false]);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(my.isGradEnabled()).toBe(true);
    expect(x.mul(2).gradFn).not.toBeNull();
  });

  it('two interleaved handlers keep their own modes', async () => {
    const x = w();
    const log: string[] = [];
    const handler = (name: string, mode: 'no' | 'enable' | 'plain', delays: number[]) => {
      const body = async () => {
        const modes: boolean[] = [];
        for (const d of delays) {
          await sleep(d);
          log.push(name);
          modes.push(my.isGradEnabled() && x.mul(1).requiresGrad);
        }
        return modes;
      };
      return mode === 'no' ? my.noGrad(body) : mode === 'enable' ? my.enableGrad(body) : body();
    };
    const [a, b, c] = await Promise.all([
      handler('A', 'no', [1, 6, 1, 6]),
      handler('B', 'enable', [4, 1, 6, 1]),
      my.noGrad(async () => { await sleep(2); return handler('C', 'enable', [3, 3, 3, 3]); }),  // enableGrad inside noGrad
    ]);
    expect(a).toEqual([false, false, false, false]);
    expect(b).toEqual([true, true, true, true]);
    expect(c).toEqual([true, true, true, true]);
    // the handlers did interleave: the log is not three blocks of four
    const blocks = log.join('');
    expect(blocks).not.toMatch(/^(AAAA|BBBB|CCCC){3}$/);
    expect(my.isGradEnabled()).toBe(true);
  });

  it('setGradEnabled inside an async scope stays in that scope', async () => {
    const other = (async () => { await sleep(3); return my.isGradEnabled(); })();
    await my.enableGrad(async () => {
      my.setGradEnabled(false);
      await sleep(6);
      expect(my.isGradEnabled()).toBe(false);
    });
    expect(await other).toBe(true);
    expect(my.isGradEnabled()).toBe(true);
  });

  it('a synchronous noGrad inside an async scope restores that scope\'s mode', async () => {
    await my.noGrad(async () => {
      await sleep(1);
      expect(my.enableGrad(() => my.isGradEnabled())).toBe(true);
      expect(my.isGradEnabled()).toBe(false);
    });
  });

  it('backward inside an async handler while another runs noGrad', async () => {
    const x = w();
    const [g] = await Promise.all([
      (async () => { const y = x.mul(x).sum(); await sleep(4); y.backward(); return x.grad!.toArray(); })(),
      my.noGrad(async () => { await sleep(2); return x.mul(3); }),
    ]);
    expect(g).toEqual([2, 4, 6]);
  });

  it('a non-async fn that returns a Promise is refused by name', () => {
    expect(() => my.noGrad(() => sleep(1))).toThrow(/^no_grad: fn returned a Promise but is not an async function/);
    expect(() => my.enableGrad(() => Promise.resolve(1))).toThrow(/^enable_grad: fn returned a Promise/);
    expect(() => my.noGrad(5 as unknown as () => void)).toThrow(/^no_grad: fn must be a function, got 5/);
    expect(my.isGradEnabled()).toBe(true);
  });
});

describe('tidyAsync', () => {
  it('disposes what fn created across awaits, keeps what it returns', async () => {
    const made: my.Tensor[] = [];
    const out = await my.tidyAsync(async () => {
      const a = my.ones(3);
      await sleep(2);
      const b = a.add(1);
      made.push(a, b);
      await sleep(1);
      return { result: b.mul(2) };
    });
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(out.result.isDisposed).toBe(false);
    expect(out.result.toArray()).toEqual([4, 4, 4]);
  });

  it('concurrent scopes collect only their own tensors', async () => {
    let aTensor: my.Tensor | null = null;
    let bTensor: my.Tensor | null = null;
    let aAliveWhenBDone = false;
    await Promise.all([
      my.tidyAsync(async () => {
        aTensor = my.zeros(2);
        await sleep(10);  // B finishes meanwhile
        aAliveWhenBDone = !aTensor.isDisposed;
        return null;
      }),
      (async () => {
        await my.tidyAsync(async () => { await sleep(2); bTensor = my.ones(2); await sleep(1); });
        expect(bTensor!.isDisposed).toBe(true);
      })(),
    ]);
    expect(aAliveWhenBDone).toBe(true);
    expect(aTensor!.isDisposed).toBe(true);
  });

  it('a rejection disposes everything fn created; keep() and nested scopes hold', async () => {
    let inner: my.Tensor | null = null, kept: my.Tensor | null = null, returned: my.Tensor | null = null;
    await expect(my.tidyAsync(async () => {
      inner = my.ones(1);
      kept = my.keep(my.ones(1));
      returned = await my.tidyAsync(async () => { await sleep(1); return my.ones(2); });
      await sleep(1);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(inner!.isDisposed).toBe(true);
    expect(returned!.isDisposed).toBe(true);  // moved to the outer scope, which threw
    expect(kept!.isDisposed).toBe(false);
  });

  it('sync tidy inside an async scope, and tidy refuses an async fn', async () => {
    const out = await my.tidyAsync(async () => {
      await sleep(1);
      return my.tidy(() => my.ones(2).add(1));
    });
    expect(out.isDisposed).toBe(false);
    expect(() => my.tidy(async () => 1)).toThrow(/^tidy: fn must be synchronous \(it returned a Promise\); use tidyAsync/);
    await expect(my.tidyAsync(3 as unknown as () => Promise<void>)).rejects.toThrow(/^tidy_async: fn must be a function, got 3/);
  });

  it('100 concurrent request handlers leave no tensor behind', async () => {
    // Earlier tests' undisposed tensors may be finalized by the GC during the awaits, so the
    // live count can only bound a leak from above; every tensor a handler made must be disposed.
    const before = my.memory().numTensors;
    const x = my.randn(4, 4);
    const made: my.Tensor[] = [];
    const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => my.tidyAsync(() => my.noGrad(async () => {
      const m = x.matmul(x), h = m.relu();
      await sleep(i % 7);
      const s = h.sum();
      made.push(m, h, s);
      return s.item() as number;
    }))));
    expect(rs.every((r) => r === rs[0])).toBe(true);
    expect(made.length).toBe(300);
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(x.isDisposed).toBe(false);
    expect(my.memory().numTensors - before).toBeLessThanOrEqual(1);  // x
  });
});

describe('default device', () => {
  it("is 'cpu', per context, and a bad device is refused by name", async () => {
    expect(my.defaultDevice()).toBe('cpu');
    expect(() => my.setDefaultDevice('tpu')).toThrow(/^set_default_device: unknown device 'tpu' \(known: cpu\)/);
    expect(() => my.setDefaultDevice(3 as unknown as string)).toThrow(/^set_default_device: unknown device 3/);
    await my.noGrad(async () => { my.setDefaultDevice('cpu'); await sleep(1); expect(my.defaultDevice()).toBe('cpu'); });
  });
});
