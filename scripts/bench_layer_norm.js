// Side benchmark (not a bench/run.js suite): LayerNorm fwd+bwd on [2048, 256] float32: native (nn.functional.layerNorm) vs the composite it replaced
// Run: node scripts/bench_layer_norm.js (needs dist/). Three rounds; the shared machine makes single rounds noisy.
const my = require('..');
const F = my.nn.functional;
function composite(x, w, b) {
  const mean = x.mean([1], { keepdim: true }), xc = x.sub(mean);
  return xc.mul(xc.square().mean([1], { keepdim: true }).add(1e-5).rsqrt()).mul(w).add(b);
}
my.manualSeed(0);
const x = my.randn([2048, 256], { requiresGrad: true }), w = my.ones([256], { requiresGrad: true }), b = my.zeros([256], { requiresGrad: true });
const dy = my.randn([2048, 256]);
function time(f, n = 30) {
  for (let i = 0; i < 3; i++) my.tidy(() => f(x, w, b).backward(dy));
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) my.tidy(() => { f(x, w, b).backward(dy); x.grad = null; w.grad = null; b.grad = null; });
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}
const ts = [];
for (let r = 0; r < 3; r++) ts.push([time(composite), time((x, w, b) => F.layerNorm(x, [256], w, b))]);
for (const [c, n] of ts) console.log(`composite ${c.toFixed(2)} ms, native ${n.toFixed(2)} ms, speedup ${(c / n).toFixed(2)}x`);
