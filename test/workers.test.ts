// The addon is context-aware: several worker_threads load it and compute at once.
import { describe, it, expect } from 'vitest';
import { Worker } from 'worker_threads';
import { join } from 'path';

const addon = process.env.MYELIN_ADDON ?? join(__dirname, '..', 'build', 'Release', 'myelin.node');

const workerSource = `
const { parentPort, workerData } = require('worker_threads');
const b = require(workerData.addon);
b.manual_seed(workerData.seed);
const x = b.full([256, 256], 0, 'float32');
b.normal_(x, 0, 1);
let acc = b.full([256, 256], 0, 'float32');
for (let i = 0; i < 50; i++) acc = b.add(acc, b.tanh(b.mul(x, i / 50)));
const data = b.to_array(acc);
let s = 0;
for (const v of data) s += v;
parentPort.postMessage({ sum: s, first: data[0] });
`;

function runWorker(seed: number): Promise<{ sum: number; first: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: { addon, seed } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('worker_threads', () => {
  it('four workers compute concurrently and agree with a serial run', async () => {
    const parallel = await Promise.all([1, 2, 3, 1].map(runWorker));
    const serial = await runWorker(2);
    expect(parallel[0]).toEqual(parallel[3]); // same seed, same numbers
    expect(parallel[1]).toEqual(serial);
    expect(parallel[0].sum).not.toBe(parallel[1].sum);
    for (const r of parallel) expect(Number.isFinite(r.sum)).toBe(true);
  });
});
