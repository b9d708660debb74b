// Tensor-core benchmarks, side by side with NumPy and PyTorch (bench/baselines/core.py):
// matmul, elementwise, reductions, softmax and per-op overhead. Run: npm run bench [filter]
'use strict';
const b = require('benny');
const my = require('..');

const cases = [];
const add = (name, setup) => cases.push({ name, setup });

for (const n of [128, 512, 1024, 2048]) {
  add(`matmul ${n}`, () => {
    const a = my.randn(n, n), c = my.randn(n, n);
    return () => a.matmul(c).dispose();
  });
}
// bfloat16 GEMM (oneDNN's bf16 kernels on AVX512-BF16 CPUs; elsewhere float32 compute)
add('matmul bf16 1024', () => {
  const a = my.randn(1024, 1024).bfloat16(), c = my.randn(1024, 1024).bfloat16();
  return () => a.matmul(c).dispose();
});
for (const [tag, n] of [['1e6', 1e6], ['1e7', 1e7]]) {
  const xs = () => [my.randn(n), my.randn(n)];
  add(`add ${tag}`, () => { const [x, y] = xs(); return () => x.add(y).dispose(); });
  add(`mul ${tag}`, () => { const [x, y] = xs(); return () => x.mul(y).dispose(); });
  add(`exp ${tag}`, () => { const [x] = xs(); return () => x.exp().dispose(); });
  add(`relu ${tag}`, () => { const [x] = xs(); return () => x.relu().dispose(); });
  add(`sum ${tag}`, () => { const [x] = xs(); return () => x.sum().dispose(); });
}
// in-place random fills (Philox + Box-Muller, vectorized; native/cpu/random.cpp)
add('normal_ 1e7', () => { const x = my.empty(1e7); return () => x.normal_(); });
add('uniform_ 1e7', () => { const x = my.empty(1e7); return () => x.uniform_(); });
add('softmax [4096,1024]', () => { const s = my.randn(4096, 1024); return () => s.softmax(1).dispose(); });
// Cold start: one product after the process sat idle for 100 ms (threads asleep, caches
// cold), timed alone each time; its ratio to the warm 'matmul 1024' row is in the notes.
cases.push({ name: 'matmul 1024 after 100 ms idle', idleMs: 100, setup: () => {
  const a = my.randn(1024, 1024), c = my.randn(1024, 1024);
  return () => a.matmul(c).dispose();
} });
add('add 1 element (overhead)', () => {
  const a = my.ones(1), c = my.ones(1);
  return () => a.add(c); // no dispose: GC and finalizers are part of the per-op cost
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function runCase(c) {
  const fn = c.setup();
  if (c.idleMs) {
    fn();  // the first call of all (oneDNN's JIT, pool start-up) is not what this measures
    const t = [];
    for (let i = 0; i < 9; i++) {
      await sleep(c.idleMs);
      const t0 = process.hrtime.bigint();
      fn();
      t.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return 1 / t.sort((x, y) => x - y)[t.length >> 1];
  }
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 1.5 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median; // benny rounds `ops` to an integer: too coarse for slow cases
}

module.exports = { cases, runCase, baseline: 'core.py' };

// The 100,000-op loop with neither dispose nor tidy: native memory must stay bounded
// (basic finalizers free handles during GC; see native/binding/args.h).
function memoryLoop(n = 100000) {
  const x = my.ones(16);
  const before = my.memory();
  let peak = 0;
  for (let i = 0; i < n; i++) {
    x.mul(1.0001).add(i);
    if (i % 1000 === 0) peak = Math.max(peak, my.memory().numBytes);
  }
  const after = my.memory();
  return { n, before, after, peak };
}

module.exports.notes = (rows) => {
  const lines = [];
  for (const r of rows) {
    const m = /^matmul (\d+)/.exec(r.name);
    if (m) {
      const f = 2 * Number(m[1]) ** 3 / 1e9;
      lines.push(`${r.name}: myelin ${(r.myelin * f).toFixed(1)} GFLOP/s, NumPy ${r.numpy ? (r.numpy * f).toFixed(1) : '-'} GFLOP/s`);
    }
    const idle = /^(matmul \d+) after/.exec(r.name), warm = idle && rows.find((w) => w.name === idle[1]);
    if (idle && warm)
      lines.push(`${r.name}: cold/warm time myelin ${(warm.myelin / r.myelin).toFixed(2)}x, PyTorch ${r.torch && warm.torch ? (warm.torch / r.torch).toFixed(2) : '-'}x`);
    if (r.name.includes('overhead'))
      lines.push(`per-op overhead: myelin ${(1e6 / r.myelin).toFixed(3)} us, NumPy ${r.numpy ? (1e6 / r.numpy).toFixed(3) : '-'} us, PyTorch eager ${r.torch ? (1e6 / r.torch).toFixed(3) : '-'} us`);
  }
  const mem = memoryLoop();
  lines.push(`memory loop: ${mem.n} ops without dispose/tidy: live native bytes ${mem.before.numBytes} -> peak ${mem.peak} -> ${mem.after.numBytes}, tensors ${mem.before.numTensors} -> ${mem.after.numTensors}`);
  return lines;
};
