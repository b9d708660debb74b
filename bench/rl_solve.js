// Steps to solve CartPole-v1 over many seeds, myelin's recipes (ts/rl/recipes.ts) beside their
// PyTorch + gymnasium twins (bench/baselines/rl_cartpole.py, same hyperparameters and solve test):
// each side's median, quartiles, range and a two-sided Mann-Whitney U p-value. Steps to solve do
// not depend on timing, so this needs no bench lock; it takes long (minutes per run).
// Merges into bench/results/rl_solve.json seed by seed (other algorithms and seeds are kept), so
// `--side myelin` and `--side torch` can run at the same time in two processes.
// Usage: PATH=/tmp/venv-c/bin:$PATH node bench/rl_solve.js [dqn|ppo ...] [--seeds 0-9] [--side myelin|torch]
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : dflt; };
const [lo, hi] = opt('--seeds', '0-9').split('-').map(Number);
const side = opt('--side', 'both');
if (!['both', 'myelin', 'torch'].includes(side)) throw new Error(`rl_solve: --side must be myelin, torch or both, got ${side}`);
const algos = args.length ? args : ['dqn', 'ppo'];
const seeds = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const root = path.join(__dirname, '..');
const file = path.join(__dirname, 'results', 'rl_solve.json');

function myelin(algo, seed) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'myelin.js'), 'train', `${algo}-cartpole`, '--seed', String(seed), '--run-dir', path.join(root, 'runs', `solve-${algo}-${seed}`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`myelin train ${algo}-cartpole failed: ${r.stderr}`);
  const m = /after (\d+) env steps/.exec(r.stdout);
  return m ? Number(m[1]) : null;  // null: not solved within the recipe's budget
}
function torch(algo, seed) {
  const r = spawnSync('python3', [path.join(__dirname, 'baselines', 'rl_cartpole.py'), algo, '--seed', String(seed)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rl_cartpole.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).solvedAt;
}
/** Median, quartiles (linear interpolation, as numpy's default) and range; unsolved runs count as +Infinity. */
function summary(v) {
  const s = v.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const q = (p) => { const i = p * (s.length - 1), f = Math.floor(i); return s[f] + (i - f) * ((s[f + 1] ?? s[f]) - s[f]); };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0], max: s[s.length - 1] };
}
/** Two-sided Mann-Whitney U test, normal approximation with tie correction and continuity correction
 * (scipy.stats.mannwhitneyu(method='asymptotic')); unsolved runs rank last. Returns { u, p } (u of x). */
function mannWhitney(x, y) {
  const all = [...x.map((v) => [v ?? Infinity, 0]), ...y.map((v) => [v ?? Infinity, 1])].sort((a, b) => a[0] - b[0]);
  const rank = new Array(all.length); let tie = 0;
  for (let i = 0; i < all.length;) {
    let j = i; while (j + 1 < all.length && all[j + 1][0] === all[i][0]) j++;
    for (let k = i; k <= j; k++) rank[k] = (i + j) / 2 + 1;
    const t = j - i + 1; tie += t ** 3 - t; i = j + 1;
  }
  const n1 = x.length, n2 = y.length, n = n1 + n2;
  const r1 = all.reduce((s, a, i) => s + (a[1] === 0 ? rank[i] : 0), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2, mu = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tie / (n * (n - 1))));
  const z = (Math.abs(u - mu) - 0.5) / sd;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))) };
}
/** Φ(z) by the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
function normalCdf(z) {
  const x = Math.abs(z) / Math.SQRT2, t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Reads the results file fresh, sets one seed's result for one side ("pending" marks a seed the other
 * side has not run yet; null is a finished run that did not solve), recomputes the summaries over the
 * seeds both sides have finished, and writes it back (a rename, so a concurrent reader sees whole files). */
function record(algo, who, seed, steps) {
  const out = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { results: {} };
  const r = out.results[algo] ??= { seeds: [], myelin: [], torch: [] };
  r.seeds ??= out.seeds.slice(0, r.myelin.length);
  let i = r.seeds.indexOf(seed);
  if (i < 0) { r.seeds.push(seed); r.myelin.push('pending'); r.torch.push('pending'); i = r.seeds.length - 1; }
  r[who][i] = steps;
  const done = r.seeds.map((_, k) => k).filter((k) => r.myelin[k] !== 'pending' && r.torch[k] !== 'pending');
  const m = done.map((k) => r.myelin[k]), t = done.map((k) => r.torch[k]);
  r.summarySeeds = done.map((k) => r.seeds[k]);
  r.myelinSummary = summary(m); r.torchSummary = summary(t); r.mannWhitney = mannWhitney(m, t);
  out.date = new Date().toISOString();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(out, null, 2)); fs.renameSync(tmp, file);
  return r;
}

fs.mkdirSync(path.dirname(file), { recursive: true });
for (const algo of algos) {
  let r;
  for (const seed of seeds) {
    const m = side === 'torch' ? undefined : myelin(algo, seed);
    if (m !== undefined) r = record(algo, 'myelin', seed, m);
    const t = side === 'myelin' ? undefined : torch(algo, seed);
    if (t !== undefined) r = record(algo, 'torch', seed, t);
    process.stderr.write(`${algo} seed ${seed}: ${side !== 'torch' ? `myelin ${m}` : ''}${side === 'both' ? ', ' : ''}${side !== 'myelin' ? `PyTorch ${t}` : ''}\n`);
  }
  const a = r.myelinSummary, b = r.torchSummary;
  console.log(`${algo} over seeds both sides finished (${r.summarySeeds.length}): median steps to solve myelin ${a.median} (IQR ${a.q1}-${a.q3}, range ${a.min}-${a.max}), PyTorch ${b.median} (IQR ${b.q1}-${b.q3}, range ${b.min}-${b.max}); myelin/PyTorch ${(a.median / b.median).toFixed(2)}; Mann-Whitney U ${r.mannWhitney.u}, two-sided p ${r.mannWhitney.p.toFixed(3)}`);
}
