// Where a DDPM U-Net training step (bench/ddpm.js's case: batch 64, Adam) spends its time: every native export
// timed, and every derivative row timed inclusively (the kernels it launches). Run: node scripts/profile_ddpm_step.js [steps=3]
const { native } = require('../dist/binding.js');
const { DERIVATIVES } = require('../dist/autograd/derivatives.js');
const my = require('..');
const T = new Map(); let on = false;
for (const k of Object.keys(native)) { const f = native[k]; if (typeof f !== 'function') continue;
  try { native[k] = function (...a) { if (!on) return f.apply(this, a); const t = performance.now(); try { return f.apply(this, a); } finally { const r = T.get(k) ?? [0, 0]; r[0] += performance.now() - t; r[1]++; T.set(k, r); } }; } catch {} }
const R = new Map();
for (const k of Object.keys(DERIVATIVES)) { const f = DERIVATIVES[k];
  DERIVATIVES[k] = (s) => { if (!on) return f(s); const t = performance.now(); try { return f(s); } finally { const r = R.get(k) ?? [0, 0]; r[0] += performance.now() - t; r[1]++; R.set(k, r); } }; }
my.manualSeed(0);
const net = new my.models.UNet({ channels: 32, channelMults: [1, 2, 2], attentionLevels: [2], groups: 8, numClasses: 10 });
const d = new my.models.GaussianDiffusion(net, new my.models.NoiseSchedule(1000));
const opt = new my.optim.Adam(net.parameters(), { lr: 2e-4 });
const x = my.rand([64, 1, 28, 28]).mul(2).sub(1), labels = Array.from({ length: 64 }, (_, i) => i % 10);
const step = () => my.tidy(() => { opt.zeroGrad(); d.loss(x, labels, { pUncond: 0.1 }).backward(); opt.step(); });
step();
const n = Number(process.argv[2] ?? 3);
on = true; const t0 = performance.now(); for (let i = 0; i < n; i++) step(); const tot = (performance.now() - t0) / n; on = false;
const top = (m) => [...m].sort((a, b) => b[1][0] - a[1][0]).slice(0, 18).map(([k, [t, c]]) => `${k.padEnd(24)} ${(t / n).toFixed(1).padStart(8)} ms ${(100 * t / n / tot).toFixed(1).padStart(5)}%  ${(c / n).toFixed(0)} calls`).join('\n');
const nat = [...T.values()].reduce((a, r) => a + r[0], 0) / n;
console.log(`native total ${nat.toFixed(1)} ms, outside ${(tot - nat).toFixed(1)} ms`);
console.log(`step ${tot.toFixed(1)} ms; load ${require('fs').readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log('native exports:\n' + top(T));
console.log('derivative rows (inclusive):\n' + top(R));
