// Signals during native kernels. oneDNN 2.x's JIT GEMMs point rsp into the heap while they
// run, so a signal delivered then corrupts the heap (native/core/signals.h). The V8 profiler
// sends SIGPROF to the main thread every interval: before the guard, `node --cpu-prof` on
// this loop aborted ("corrupted size vs. prev_size") within a few hundred steps.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const script = `
const my = require(${JSON.stringify(root)});
my.manualSeed(0);
const p = [[784, 256], [256, 128], [128, 10]].map(([i, o]) => [my.randn(i, o).mul(1 / Math.sqrt(i)).requiresGrad_(), my.zeros(o).requiresGrad_()]);
const x = my.randn(64, 784), t = my.randint(0, 10, [64]);
const conv = new my.nn.Conv2d(1, 8, 3, { padding: 1 }), img = my.randn(16, 1, 28, 28);
let loss = 0;
for (let i = 0; i < 1500; i++) my.tidy(() => {
  let h = x;
  p.forEach(([w, b], k) => { h = h.matmul(w).add(b); if (k < 2) h = h.relu(); });
  let l = my.nn.functional.crossEntropy(h, t);
  if (i % 10 === 0) l = l.add(conv.forward(img).square().mean());
  l.backward();
  loss = l.item();
  for (const [w, b] of p) { w.grad.zero_(); b.grad.zero_(); }
});
console.log(JSON.stringify({ loss }));
`;

// The same loop while the parent sends the process SIGUSR2 every 2 ms: process-directed
// signals go to any thread that does not block them, OpenMP's workers included.
function runWithSignals(): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', `let got = 0; process.on('SIGUSR2', () => got++); console.log('"ready"');\n${script}\nsetTimeout(() => console.log(JSON.stringify({ got })), 300);`]);
    let stdout = '', stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      // start once the handler is in place (the default action would end the process)
      timer ??= setInterval(() => { try { child.kill('SIGUSR2'); } catch { /* exited */ } }, 2);
      if (stdout.includes('"loss"')) clearInterval(timer);  // the child lingers 300 ms to handle those in flight
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code, signal) => { clearInterval(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

describe('signals', () => {
  it('float32 matmul and conv loops survive a stream of process-directed signals', async () => {
    const r = await runWithSignals();
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const [, loss, got] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(Number.isFinite(loss.loss)).toBe(true);
    expect(got.got).toBeGreaterThan(0);
  }, 150_000);
  it('float32 matmul and conv loops survive the V8 profiler sampling every 37 us', () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-prof-'));
    try {
      const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '37', '--cpu-prof-dir', dir, '-e', script], {
        encoding: 'utf8', timeout: 120_000,
      });
      expect(r.stderr).toBe('');
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      const { loss } = JSON.parse(r.stdout.trim());
      expect(Number.isFinite(loss)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
