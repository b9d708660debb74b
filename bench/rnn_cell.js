// One recurrent step's gate math, forward + backward (B = 64, H = 256): the fused native
// cells (lstmCell, gruCell) against the same math composed of Tensor ops, and PyTorch's cell
// math (bench/baselines/rnn_cell.py). Run: node bench/run.js rnn_cell
'use strict';
const b = require('benny');
const my = require('..');

const B = 64, H = 256;
const sig = (t) => t.sigmoid();
// the composites the fused ops replace (ts/nn's per-step functions, before the kernels)
function lstmComposed(xg, hg, c) {
  const g = xg.add(hg);
  const [i, f, gg, o] = [0, 1, 2, 3].map((k) => g.narrow(1, k * H, H));
  const cn = sig(f).mul(c).add(sig(i).mul(gg.tanh()));
  return [sig(o).mul(cn.tanh()), cn];
}
function gruComposed(xg, hg, h) {
  const [xr, xz, xn] = [0, 1, 2].map((k) => xg.narrow(1, k * H, H)), [hr, hz, hn] = [0, 1, 2].map((k) => hg.narrow(1, k * H, H));
  const r = sig(xr.add(hr)), z = sig(xz.add(hz)), n = xn.add(r.mul(hn)).tanh();
  return n.add(z.mul(h.sub(n)));
}
function setup(k) {
  my.manualSeed(0);
  const xg = my.randn(B, k * H).requiresGrad_(), hg = my.randn(B, k * H).requiresGrad_(), s = my.randn(B, H).requiresGrad_();
  const wh = my.randn(B, H), wc = my.randn(B, H);
  const clear = () => { for (const t of [xg, hg, s]) t.grad = null; };
  return { xg, hg, s, wh, wc, clear };
}
const lstmCase = (name, cell) => ({ name, setup() {
  const { xg, hg, s, wh, wc, clear } = setup(4);
  return () => my.tidy(() => { const [h, cn] = cell(xg, hg, s); h.mul(wh).sum().add(cn.mul(wc).sum()).backward(); clear(); });
} });
const gruCase = (name, cell) => ({ name, setup() {
  const { xg, hg, s, wh, clear } = setup(3);
  return () => my.tidy(() => { cell(xg, hg, s).mul(wh).sum().backward(); clear(); });
} });

const cases = [
  lstmCase('lstm cell fused fwd+bwd B64 H256', my.lstmCell),
  lstmCase('lstm cell composed fwd+bwd B64 H256', lstmComposed),
  gruCase('gru cell fused fwd+bwd B64 H256', my.gruCell),
  gruCase('gru cell composed fwd+bwd B64 H256', gruComposed),
];

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 10, maxTime: 2 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'rnn_cell.py',
  notes: (rows) => {
    const by = (s) => rows.find((r) => r.name.startsWith(s));
    const out = [];
    for (const cell of ['lstm', 'gru']) {
      const f = by(`${cell} cell fused`), c = by(`${cell} cell composed`);
      if (f && c) out.push(`${cell}: fused ${(1e6 / f.myelin).toFixed(1)} us/step, composed ${(1e6 / c.myelin).toFixed(1)} us/step: fused is ${(f.myelin / c.myelin).toFixed(2)}x the composed speed; PyTorch's cell ${f.torch ? (1e6 / f.torch).toFixed(1) : '-'} us/step (fused/PyTorch ${f.vsTorch ? f.vsTorch.toFixed(2) : '-'}x)`);
    }
    return out;
  },
};
