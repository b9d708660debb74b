// The dashboard's cost on training: the mnist-mlp recipe (1 epoch on the first N images) run
// alternately without and with the dashboard (a page connected to its event stream), reporting
// the median seconds of each and their ratio. `node bench/dashboard_overhead.js [N] [reps]` (after the TS build);
// `node bench/dashboard_overhead.js 0 0 hook`: the hook's own cost per batch.
const http = require('http');
const { trainMnistMlp } = require('../dist/train/recipes');
const { makeProgress } = require('../dist/train/progress');
const { Dashboard } = require('../dist/viz/dashboard');

const N = Number(process.argv[2] ?? 6000), reps = Number(process.argv[3] ?? 3);
const quiet = makeProgress(process.stdout, { quiet: true });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function once(withDash) {
  let dash = null, req = null, got = 0;
  if (withDash) {
    dash = await Dashboard.start({ port: 0 });
    await new Promise((resolve) => { req = http.get(`${dash.url}/events`, (res) => { res.on('data', (c) => { got += c.length; }); resolve(); }); });
  }
  const t0 = performance.now();
  await trainMnistMlp({ epochs: 1, trainLimit: N, progress: quiet, seed: 0 });
  const s = (performance.now() - t0) / 1000;
  if (dash) { req.destroy(); await dash.close(); }
  return { s, got };
}

if (process.argv[4] !== 'hook') (async () => {
  const without = [], withD = [];
  await once(false);  // warm-up: MNIST load, kernels
  for (let i = 0; i < reps; i++) {
    without.push((await once(false)).s);
    const r = await once(true);
    withD.push(r.s);
    console.log(`rep ${i + 1}: without ${without[i].toFixed(2)} s, with ${r.s.toFixed(2)} s (${r.got} bytes streamed)`);
  }
  const a = median(without), b = median(withD);
  console.log(`mnist-mlp 1 epoch on ${N} images + test set: median ${a.toFixed(2)} s without, ${b.toFixed(2)} s with the dashboard: ratio ${(b / a).toFixed(3)} (load ${require('fs').readFileSync('/proc/loadavg', 'utf8').trim()})`);
})();

// The per-batch cost the hook adds, measured directly (robust to a loaded machine): the
// wrapped progress's update() (throttled sends to one connected page) against a bare one.
if (process.argv[4] === 'hook') (async () => {
  const dash = await Dashboard.start({ port: 0, intervalMs: 250 });
  const bare = makeProgress(process.stdout, { quiet: true }), wrapped = dash.wrap(bare);
  const n = 2e6, v = { loss: 0.5, acc: 0.9, rate: 1000 };
  wrapped.start(1, 1, n);
  const t0 = performance.now(); for (let i = 0; i < n; i++) wrapped.update(i, v); const t1 = performance.now();
  for (let i = 0; i < n; i++) bare.update(i, v); const t2 = performance.now();
  console.log(`hook: ${(((t1 - t0) - (t2 - t1)) / n * 1e3).toFixed(3)} us per batch added (${dash.history.length} points sent)`);
  await dash.close();
})();
