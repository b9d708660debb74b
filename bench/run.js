#!/usr/bin/env node
// Runs the myelin benchmarks and their NumPy/PyTorch twins in one command, prints
// ratios (myelin speed / baseline speed: > 1 means myelin is faster) and writes
// bench/results/<suite>.json. Usage: node bench/run.js [suite] [name filters...]
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

// The baseline and myelin run back to back for each case (the machine drifts; see
// shared/DESIGN.md), `rounds` times, and each side reports its median.
function baseline(mod, name) {
  const py = spawnSync('python3', [path.join(__dirname, 'baselines', mod.baseline), `=${name}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) throw new Error(`baseline failed: ${py.stderr}`);
  return JSON.parse(py.stdout)[name] ?? {};
}
const median = (v) => { const s = v.filter((x) => x != null).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : null; };

async function main() {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 1;
  const [suite = 'core', ...filter] = args;
  const mod = require(path.join(__dirname, `${suite}.js`));
  const rows = [];
  for (const c of mod.cases) {
    if (filter.length && !filter.some((f) => c.name.includes(f))) continue;
    const m = [], n = [], t = [], extra = {};
    for (let r = 0; r < rounds; r++) {
      const base = baseline(mod, c.name);
      n.push(base.numpy); t.push(base.torch);
      for (const [k, v] of Object.entries(base)) if (k !== 'numpy' && k !== 'torch') extra[k] = v;  // e.g. torchAcc
      m.push(await mod.runCase(c));
    }
    const row = { name: c.name, myelin: median(m), numpy: median(n), torch: median(t), ...extra };
    row.vsNumpy = row.numpy ? row.myelin / row.numpy : null;
    row.vsTorch = row.torch ? row.myelin / row.torch : null;
    rows.push(row);
    process.stderr.write(`${c.name}: done\n`);
  }
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
