// Readback and creation bandwidth (data(), dataAsync(), tensor(TypedArray), fromBuffer) and
// the per-op cost of the async context, side by side with NumPy and PyTorch
// (bench/baselines/io.py). Run: node bench/run.js io [filter] --rounds 3
'use strict';
const my = require('..');

const MB = 2 ** 20;
const cases = [];
// bytes: what one op moves (for GB/s); setup returns the op (sync, or async for dataAsync)
const add = (name, bytes, setup, wrap) => cases.push({ name, bytes, setup, wrap });

for (const mb of [1, 16]) {
  const n = (mb * MB) / 4;
  add(`data() float32 ${mb} MB`, mb * MB, () => { const t = my.rand(n); return () => t.data(); });
}
add('data() float32 transposed 16 MB', 16 * MB, () => { const t = my.rand(2048, 2048).transpose(0, 1); return () => t.data(); });
add('dataAsync() float32 16 MB', 16 * MB, () => { const t = my.rand(4 * MB); return () => t.dataAsync(); });
add('tensor(Float32Array) 16 MB', 16 * MB, () => { const a = new Float32Array(4 * MB).fill(1.5); return () => my.tensor(a).dispose(); });
add('tensor(Uint8Array) 16 MB', 16 * MB, () => { const a = new Uint8Array(16 * MB).fill(7); return () => my.tensor(a).dispose(); });
add('fromBuffer 16 MB', 16 * MB, () => { const b = new ArrayBuffer(16 * MB); return () => my.fromBuffer(b, { dtype: 'float32', shape: [4 * MB] }).dispose(); });
// The grad-mode read and tidy tracking on every op: in the root context, inside an async
// scope (AsyncLocalStorage.getStore() per read), and in the root again once ALS is in use.
const overhead = () => { const a = my.ones(1), c = my.ones(1); return () => a.add(c); };
add('add 1 element (overhead, root context)', 0, overhead);
add('add 1 element (overhead, inside noGrad(async))', 0, overhead, (run) => my.noGrad(async () => run()));
add('add 1 element (overhead, root context after ALS)', 0, overhead);

// Median ops/s over 5 repeats of a batch calibrated to ~0.1 s (as baselines/timing.py), after
// 0.3 s of warm-up: readback blocks return to the allocator only when V8 collects the arrays
// (a GC every ~64 MB of new ArrayBuffers), so the first ~64 MB of readbacks map fresh memory
// (a page fault per 4 KiB) and a short calibration would time only that cold phase.
async function rate(fn) {
  const once = async () => { const r = fn(); if (r && typeof r.then === 'function') await r; };
  const batch = async (n) => { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) await once(); return Number(process.hrtime.bigint() - t0) / 1e9; };
  for (const t0 = Date.now(); Date.now() - t0 < 300;) await once();
  let n = 1;
  while ((await batch(n)) < 0.1) n *= 2;
  const s = [];
  for (let r = 0; r < 5; r++) s.push(n / (await batch(n)));
  return s.sort((a, b) => a - b)[2];
}

async function runCase(c) {
  const fn = c.setup();
  return c.wrap ? c.wrap(() => rate(fn)) : rate(fn);
}

module.exports = { cases, runCase, baseline: 'io.py' };

module.exports.notes = (rows) => rows.map((r) => {
  const c = cases.find((k) => k.name === r.name);
  if (!c.bytes) return `${r.name}: myelin ${(1e6 / r.myelin).toFixed(3)} us, PyTorch ${r.torch ? (1e6 / r.torch).toFixed(3) : '-'} us, NumPy ${r.numpy ? (1e6 / r.numpy).toFixed(3) : '-'} us`;
  const gbs = (v) => (v ? ((v * c.bytes) / 1e9).toFixed(2) : '-');
  return `${r.name}: myelin ${gbs(r.myelin)} GB/s, NumPy ${gbs(r.numpy)} GB/s, PyTorch ${gbs(r.torch)} GB/s`;
});
