// The addon is context-aware: several worker_threads load it and compute at once, and a
// worker can be terminated (or the process exit) while it is inside a call.
import { describe, it, expect } from 'vitest';
import { Worker } from 'worker_threads';
import { join } from 'path';
import { spawnSync } from 'child_process';

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

// A worker inside long addon calls (matmuls, reductions, caught errors, multi-result ops)
// until the parent stops it. Posts 'ready' once it holds `mib` MiB of undisposed tensors.
const busySource = `
const { parentPort, workerData } = require('worker_threads');
const b = require(workerData.addon);
const a = b.full([384, 384], 1, 'float32');
const held = [];
for (let i = 0; i < workerData.mib; i++) held.push(b.full([256, 1024], 1, 'float32'));
parentPort.postMessage('ready');
for (;;) {
  const c = b.matmul(a, a);
  b.sum(b.relu(c), null, false);
  b.max(c, 0, false);
  b.meta(c);
  try { b.add(c, b.full([3], 0, 'float32')); } catch {}
}
`;

// Run in a child process: an abort there must fail the test, not kill the test runner.
function runChild(script: string, args: string[]): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', script, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
const stopSource = `
const { Worker } = require('worker_threads');
const [addon, mode, rounds] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const busy = ${JSON.stringify(busySource)};
function once(delay) {
  return new Promise((resolve, reject) => {
    const w = new Worker(busy, { eval: true, workerData: { addon, mib: 0 } });
    w.once('error', reject);
    w.once('message', () => setTimeout(() => {
      if (mode === 'exit') process.exit(0);
      w.terminate().then(resolve, reject);
    }, delay));
  });
}
(async () => {
  for (let r = 0; r < rounds; r++) await once(r % 7);
  console.log('done');
})();
`;

describe('stopping a worker inside the addon', () => {
  // node-addon-api threw a C++ exception out of the callback when the env was stopping:
  // "terminate called after throwing an instance of 'Napi::Error'", every run
  it('terminate() during long addon calls, 30 times in a row, never aborts', () => {
    const r = runChild(stopSource, [addon, 'terminate', '30']);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });

  it('process.exit() while a worker is inside the addon exits cleanly, 8 processes', () => {
    for (let k = 0; k < 8; k++) {
      const r = runChild(stopSource, [addon, 'exit', '1']);
      expect(r.stderr).toBe('');
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
    }
  });

  it('a terminated worker\'s undisposed tensors are freed with its env', async () => {
    const native = require(addon);
    const before = native.memory().numBytes;
    const w = new Worker(busySource, { eval: true, workerData: { addon, mib: 32 } });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    expect(native.memory().numBytes - before).toBeGreaterThanOrEqual(32 * 2 ** 20);
    await w.terminate();
    // weak callbacks never run when an isolate is disposed: an env cleanup hook frees them
    expect(native.memory().numBytes - before).toBeLessThan(2 ** 20);
  });
});
