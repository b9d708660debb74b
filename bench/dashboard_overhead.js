// The dashboard's cost on training: the mnist-mlp recipe (1 epoch on the first N images) run
// alternately without and with the dashboard (a page connected to its event stream), reporting
// the median seconds of each and their ratio. `node bench/dashboard_overhead.js [N] [reps]` (after the TS build).
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

(async () => {
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
