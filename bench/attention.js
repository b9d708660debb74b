// Scaled dot-product attention, forward + backward (batch 1, 8 heads of 64, float32) at
// lengths 1024 and 4096: myelin's fused op (sdpa_flash) against torch's
// F.scaled_dot_product_attention (bench/baselines/attention.py; its CPU flash kernel), and
// the composite (MYELIN_SDPA_COMPOSITE=1) at 1024. Peak memory: the maxRSS growth of a fresh
// process over one fwd+bwd after its inputs exist (both sides measured the same way).
// Run: node bench/run.js attention
'use strict';
const b = require('benny');
const { spawnSync } = require('child_process');
const my = require('..');

const H = 8, E = 64;
function setup(L, causal) {
  my.manualSeed(0);
  const [q, k, v] = [0, 1, 2].map(() => my.randn([1, H, L, E]).requiresGrad_());
  const w = my.randn([1, H, L, E]);
  return () => my.tidy(() => {
    my.nn.functional.scaledDotProductAttention(q, k, v, { isCausal: causal }).mul(w).sum().backward();
    for (const t of [q, k, v]) { t.grad.dispose(); t.grad = null; }
  });
}
const mk = (L, causal, composite = false) => ({
  name: `sdpa fwd+bwd L${L} H8 E64${causal ? ' causal' : ''}${composite ? ' composite' : ''}`, L, causal, composite,
});
const cases = [mk(1024, false), mk(1024, true), mk(4096, false), mk(4096, true), mk(1024, false, true)];

// one fwd+bwd in a fresh process: MiB of maxRSS growth past the inputs
function peakMiB(c) {
  const env = { ...process.env, ...(c.composite ? { MYELIN_SDPA_COMPOSITE: '1' } : {}) };
  const r = spawnSync(process.execPath, [__filename, '--mem', String(c.L), c.causal ? '1' : '0'], { env, encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}
if (process.argv[2] === '--mem') {
  const run = setup(Number(process.argv[3]), process.argv[4] === '1');
  const before = process.resourceUsage().maxRSS;
  run();
  console.log(((process.resourceUsage().maxRSS - before) / 1024).toFixed(1));
  process.exit(0);
}

async function runCase(c) {
  // the flag is read once at import, so the composite case runs in a child process and reports its rate
  if (c.composite) {
    process.env.MYELIN_SDPA_COMPOSITE = '1';
    const r = spawnSync(process.execPath, [__filename, '--rate', String(c.L), c.causal ? '1' : '0'], { env: process.env, encoding: 'utf8' });
    delete process.env.MYELIN_SDPA_COMPOSITE;
    c.peak = peakMiB(c);
    return Number(r.stdout.trim().split('\n').pop());  // benny prints its progress first
  }
  const fn = setup(c.L, c.causal);
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 3, maxTime: c.L > 2048 ? 8 : 3 }), b.cycle(() => {}));
  c.peak = peakMiB(c);
  return 1 / summary.results[0].details.median;
}
if (process.argv[2] === '--rate') {
  const fn = setup(Number(process.argv[3]), process.argv[4] === '1');
  b.suite('rate', b.add('rate', fn, { minSamples: 3, maxTime: 3 }), b.cycle(() => {}))
    .then((s) => console.log(1 / s.results[0].details.median));
}

module.exports = {
  cases, runCase, baseline: 'attention.py',
  notes: (rows) => rows.map((r) => {
    const c = cases.find((x) => x.name === r.name);
    return `${r.name}: myelin ${(1e3 / r.myelin).toFixed(0)} ms/iter, peak +${c?.peak ?? '-'} MiB; torch ${r.torch ? (1e3 / r.torch).toFixed(0) : '-'} ms/iter, peak +${r.torchPeakMiB ?? '-'} MiB`;
  }),
};
