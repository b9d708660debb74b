// Issue 17: memory stays flat over 10,000 recurrent training steps (forward, backward, Adam) for
// the LSTM and the GRU, padded and packed, on tiny sizes so the loop is fast. Native memory is
// exact under tidy(), so no GC saw-tooth can hide (or fake) a leak; the JS heap is checked after gc().
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as my from '../ts/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const STEPS = 10_000;

/** Runs `step` STEPS times in tidy scopes; samples native memory and the JS heap (after gc) every 1000 steps. */
async function run(step: () => void) {
  gc();   // earlier tests' garbage must not be collected mid-run (it would lower the counts)
  for (let i = 0; i < 20; i++) my.tidy(step);   // warm-up: Adam's state, the allocator's lists
  const samples: { numTensors: number; numStorages: number; numBytes: number }[] = [], heap: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    my.tidy(step);
    if (i % 1000 === 999) {
      const m = my.memory();
      samples.push({ numTensors: m.numTensors, numStorages: m.numStorages, numBytes: m.numBytes });
      await new Promise((r) => setImmediate(r));   // let vitest's worker talk to its runner
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
  }
  return { samples, heap };
}

function expectFlat(r: Awaited<ReturnType<typeof run>>): void {
  expect(r.samples.length).toBe(STEPS / 1000);
  // every 1000 steps the live tensors, storages and bytes are at most those after the first 1000
  // (tidy frees each step's tensors; gc() may still reclaim older garbage): one leaked tensor
  // per step would show as 1000 more at each sample
  for (const s of r.samples) {
    expect(s.numTensors).toBeLessThanOrEqual(r.samples[0].numTensors);
    expect(s.numStorages).toBeLessThanOrEqual(r.samples[0].numStorages);
    expect(s.numBytes).toBeLessThanOrEqual(r.samples[0].numBytes);
  }
  console.log('live tensors every 1000 steps:', r.samples.map((s) => s.numTensors).join(' '));
  // the JS heap over the last 5000 steps (the first ones settle V8's code and feedback): under
  // 100 bytes a step, less than one retained Tensor wrapper, closure or array per step
  console.log('heap after gc every 1000 steps (KB):', r.heap.map((b) => Math.round(b / 1024)).join(' '));
  expect(r.heap[9] - r.heap[4]).toBeLessThan(500_000);
}

describe('recurrent training: memory flat over 10,000 steps', () => {
  it('LSTM, batchFirst', async () => {
    my.manualSeed(0);
    const lstm = new my.nn.LSTM(3, 4, { batchFirst: true });
    const opt = new my.optim.Adam(lstm.parameters(), { lr: 1e-3 });
    const x = my.randn(2, 5, 3), y = my.randn(2, 5, 4);
    const r = await run(() => {
      opt.zeroGrad();
      const [out, [h, c]] = lstm.forward(x);
      out.sub(y).square().mean().add(h.sum().mul(0.01)).add(c.sum().mul(0.01)).backward();
      opt.step();
    });
    expectFlat(r);
  }, 600_000);

  it('GRU, bidirectional, over a packed batch of unequal lengths', async () => {
    my.manualSeed(0);
    const gru = new my.nn.GRU(3, 4, { bidirectional: true, batchFirst: true });
    const opt = new my.optim.Adam(gru.parameters(), { lr: 1e-3 });
    const x = my.randn(3, 5, 3);
    const r = await run(() => {
      opt.zeroGrad();
      const packed = my.nn.utils.rnn.packPaddedSequence(x, [5, 2, 4], { batchFirst: true, enforceSorted: false });
      const [out, h] = gru.forward(packed);
      out.data.square().mean().add(h.sum().mul(0.01)).backward();
      opt.step();
    });
    expectFlat(r);
  }, 600_000);
});
