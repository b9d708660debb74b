// Transformer benchmark, side by side with PyTorch CPU (bench/baselines/transformer.py): one
// training step (forward, backward, AdamW) of a TransformerEncoderLayer, d_model 256, 8 heads,
// feed-forward 1024, batch 16, length 128, batchFirst, causal mask, dropout 0.1, loss = output mean.
// Tokens/s = batch * length / time. Run: node bench/run.js transformer   (needs dist/: npx tsc -p tsconfig.json)
'use strict';
const b = require('benny');
const my = require('..');

const [D, H, FF, B, L] = [256, 8, 1024, 16, 128];
const cases = [{ name: `TransformerEncoderLayer train step d${D} h${H} ff${FF} b${B} l${L} causal dropout0.1 adamw`, setup() {
  my.manualSeed(0);
  const layer = new my.nn.TransformerEncoderLayer(D, H, { dimFeedforward: FF, dropout: 0.1, batchFirst: true });
  const x = my.randn([B, L, D]);
  const mask = my.nn.Transformer.generateSquareSubsequentMask(L);
  const opt = new my.optim.AdamW(layer.parameters(), { lr: 1e-3 });
  return () => my.tidy(() => { opt.zeroGrad(); layer.forward(x, { srcMask: mask, isCausal: true }).mean().backward(); opt.step(); });
} }];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 3 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'transformer.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e3 / r.myelin).toFixed(1)} ms (${Math.round(r.myelin * B * L)} tokens/s), `
    + `PyTorch ${r.torch ? `${(1e3 / r.torch).toFixed(1)} ms (${Math.round(r.torch * B * L)} tokens/s)` : '-'}`),
};
