#!/usr/bin/env node
// Runs the myelin benchmarks and their NumPy/PyTorch twins in one command, prints
// ratios (myelin speed / baseline speed: > 1 means myelin is faster) and writes
// bench/results/<suite>.json. Usage: node bench/run.js [suite] [name filters...]
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

async function main() {
  const [suite = 'core', ...filter] = process.argv.slice(2);
  const mod = require(path.join(__dirname, `${suite}.js`));
  const py = spawnSync('python3', [path.join(__dirname, 'baselines', mod.baseline), ...filter], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) throw new Error(`baseline failed: ${py.stderr}`);
  const base = JSON.parse(py.stdout);
  const mine = await mod.runMyelin(filter);
  const rows = Object.keys(mine).map((name) => {
    const r = { name, myelin: mine[name], numpy: base[name]?.numpy, torch: base[name]?.torch };
    r.vsNumpy = r.numpy ? r.myelin / r.numpy : null;
    r.vsTorch = r.torch ? r.myelin / r.torch : null;
    if (mod.extra) Object.assign(r, mod.extra(name, r));
    return r;
  });
  const fmt = (v, d = 2) => (v == null ? '-' : v.toFixed(d));
  const table = [
    '| benchmark | myelin ops/s | NumPy ops/s | PyTorch ops/s | vs NumPy | vs PyTorch |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.myelin, 1)} | ${fmt(r.numpy, 1)} | ${fmt(r.torch, 1)} | ${fmt(r.vsNumpy)}x | ${fmt(r.vsTorch)}x |`),
  ];
  if (mod.notes) table.push('', ...mod.notes(rows));
  console.log(table.join('\n'));
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${suite}.json`), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
