// Memory stays flat: loops that neither dispose nor tidy are bounded by GC (basic
// finalizers run during collection), and tidy() loops are flat exactly.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';

describe('native memory in long loops', () => {
  it('60,000 iterations of small ops without dispose or tidy stay bounded', () => {
    const x = my.ones(16);
    const base = my.memory().numTensors;
    const samples: number[] = [];
    for (let i = 0; i < 60000; i++) {
      x.mul(1.0001).add(i).exp();
      if (i % 1000 === 0) samples.push(my.memory().numTensors - base);
    }
    // 180,000 tensors are created. Without collection the live count would climb to
    // that; with it, it saws up and down within the young generation's reach, so the
    // last third peaks no higher than the first third (plus slack for GC timing).
    const third = Math.floor(samples.length / 3);
    const early = Math.max(...samples.slice(0, third));
    const late = Math.max(...samples.slice(-third));
    expect(late).toBeLessThan(early * 1.5 + 5000);
    expect(Math.max(...samples)).toBeLessThan(90000);
  });

  it('a tidy() loop holds live tensors and bytes exactly flat', () => {
    const w = my.randn(64, 64);
    const x = my.randn(8, 64);
    const run = () => my.tidy(() => { x.matmul(w).relu().sum(); });
    for (let i = 0; i < 50; i++) run();
    const before = my.memory();
    for (let i = 0; i < 2000; i++) run();
    const after = my.memory();
    // tidy frees everything the loop makes at once; garbage from earlier tests may be
    // collected meanwhile, so live memory can only go down
    expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
    expect(after.numStorages).toBeLessThanOrEqual(before.numStorages);
  });

  it('large temporaries without dispose are reclaimed (external memory drives GC)', () => {
    const x = my.ones(1 << 20); // 4 MB
    let peak = 0;
    for (let i = 0; i < 300; i++) { // 1.2 GB allocated in all
      x.add(i);
      peak = Math.max(peak, my.memory().numBytes);
    }
    expect(peak).toBeLessThan(600 * 1024 * 1024);
  });
});
