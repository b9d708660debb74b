#!/usr/bin/env node
// Which native ops a TransformerEncoderLayer training step spends its time in (bench/transformer.js's
// step): wraps every export of the addon with a timer before the first op runs, then prints the ops
// by total time. Usage: node scripts/profile_transformer.js [steps]   (needs dist/)
'use strict';
const { native } = require('../dist/binding');
const stats = new Map();
for (const k of Object.keys(native)) {
  const f = native[k];
  if (typeof f !== 'function') continue;
  native[k] = function (...a) {
    const t0 = process.hrtime.bigint();
    try { return f.apply(this, a); } finally {
      const s = stats.get(k) ?? { n: 0, ns: 0n };
      s.n++; s.ns += process.hrtime.bigint() - t0; stats.set(k, s);
    }
  };
}
const my = require('..');
const [D, H, FF, B, L] = [256, 8, 1024, 16, 128];
my.manualSeed(0);
const layer = new my.nn.TransformerEncoderLayer(D, H, { dimFeedforward: FF, dropout: 0.1, batchFirst: true });
const x = my.randn([B, L, D]);
const mask = my.nn.Transformer.generateSquareSubsequentMask(L);
const opt = new my.optim.AdamW(layer.parameters(), { lr: 1e-3 });
const step = () => my.tidy(() => { opt.zeroGrad(); layer.forward(x, { srcMask: mask, isCausal: true }).mean().backward(); opt.step(); });
step();
stats.clear();
const steps = Number(process.argv[2] ?? 3);
const t0 = process.hrtime.bigint();
for (let i = 0; i < steps; i++) step();
const wall = Number(process.hrtime.bigint() - t0) / 1e6 / steps;
const rows = [...stats].map(([k, s]) => [k, s.n / steps, Number(s.ns) / 1e6 / steps]).sort((a, b) => b[2] - a[2]);
const native_ms = rows.reduce((a, r) => a + r[2], 0);
console.log(`per step: ${wall.toFixed(1)} ms wall, ${native_ms.toFixed(1)} ms in native calls (load ${require('os').loadavg()[0].toFixed(1)})`);
for (const [k, n, ms] of rows.slice(0, 25)) console.log(`${k.padEnd(28)} ${String(n).padStart(5)} calls ${ms.toFixed(1).padStart(9)} ms ${(100 * ms / wall).toFixed(1).padStart(5)}%`);
