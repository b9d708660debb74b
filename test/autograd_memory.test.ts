// 2,000 forward/backward steps of a small MLP hold native memory flat.
import { describe, it, expect } from 'vitest';
import * as my from '../ts/index';

describe('autograd memory', () => {
  it('2,000 MLP forward/backward steps in tidy() stay flat after warm-up', () => {
    my.manualSeed(0);
    const w1 = my.randn(20, 32).mul(0.1).requiresGrad_(), w2 = my.randn(32, 10).mul(0.1).requiresGrad_();
    const x = my.randn(16, 20), t = my.randint(0, 10, [16]);
    const step = () => my.tidy(() => {
      const logits = x.matmul(w1).relu().matmul(w2);
      const loss = logits.logSoftmax(1).gather(1, t.unsqueeze(1)).mean().neg();
      loss.backward();
      my.noGrad(() => { w1.sub_(w1.grad!.mul(0.1)); w2.sub_(w2.grad!.mul(0.1)); w1.grad!.zero_(); w2.grad!.zero_(); });
      return loss.item();
    });
    const first = step();
    for (let i = 0; i < 50; i++) step();
    const before = my.memory();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = step() as number;
    const after = my.memory();
    expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
    expect(after.numStorages).toBeLessThanOrEqual(before.numStorages);
    expect(last).toBeLessThan(first as number); // and it learned
  });
});
