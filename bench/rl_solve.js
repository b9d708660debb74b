// Steps to solve CartPole-v1 over many seeds, myelin's recipes (ts/rl/recipes.ts) beside their
// PyTorch + gymnasium twins (bench/baselines/rl_cartpole.py, same hyperparameters and solve test):
// each side's median, quartiles and range. Steps to solve do not depend on timing, so this needs
// no bench lock; it takes long (minutes per run). Writes bench/results/rl_solve.json.
// Usage: PATH=/tmp/venv-c/bin:$PATH node bench/rl_solve.js [dqn|ppo ...] [--seeds 0-9]
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const si = args.indexOf('--seeds');
const [lo, hi] = (si >= 0 ? args.splice(si, 2)[1] : '0-9').split('-').map(Number);
const algos = args.length ? args : ['dqn', 'ppo'];
const seeds = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const root = path.join(__dirname, '..');

function myelin(algo, seed) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'myelin.js'), 'train', `${algo}-cartpole`, '--seed', String(seed), '--run-dir', path.join(root, 'runs', `solve-${algo}-${seed}`)], { encoding: 'utf8' });
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

const out = { date: new Date().toISOString(), seeds, results: {} };
for (const algo of algos) {
  const m = [], t = [];
  for (const seed of seeds) {
    m.push(myelin(algo, seed)); t.push(torch(algo, seed));
    process.stderr.write(`${algo} seed ${seed}: myelin ${m.at(-1)}, PyTorch ${t.at(-1)}\n`);
  }
  out.results[algo] = { myelin: m, torch: t, myelinSummary: summary(m), torchSummary: summary(t) };
  const a = summary(m), b = summary(t);
  console.log(`${algo}: median steps to solve myelin ${a.median} (IQR ${a.q1}-${a.q3}, range ${a.min}-${a.max}), PyTorch ${b.median} (IQR ${b.q1}-${b.q3}, range ${b.min}-${b.max}); myelin/PyTorch ${(a.median / b.median).toFixed(2)}`);
}
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'rl_solve.json'), JSON.stringify(out, null, 2));
