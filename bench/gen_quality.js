// Generative quality, myelin next to PyTorch on the same recipes (bench/baselines/gen_quality.py runs
// at the same time): ae-mnist (dense) test reconstruction MSE, vae-mnist (dense) test ELBO in nats per
// image, and for the VAE's and the conditional GAN's samples the Fréchet distance to the test set on the
// penultimate (128-d) features of the mnist-cnn recipe's classifier, plus the share of cGAN samples that
// classifier labels as the requested class. Both libraries' samples are scored by the one classifier.
// Run: node bench/gen_quality.js [trainLimit=5000] [testLimit=2000] [epochs=3] [ganEpochs=1] [ganWidth=16] [samples=1000]
// (python3 on PATH must have torch; the sizes are reduced from the full recipes: say so with the figures.)
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');

const [trainLimit, testLimit, epochs, ganEpochs, ganWidth, samples] = [5000, 2000, 3, 1, 16, 1000].map((d, i) => Number(process.argv[2 + i] ?? d));
const out = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'gen-quality-'));
const log = (s) => process.stderr.write(`${s}\n`);

// PyTorch's twin runs alongside (the machine drifts: both see the same load)
const py = spawn('python3', [path.join(__dirname, 'baselines', 'gen_quality.py'), out, trainLimit, testLimit, epochs, ganEpochs, ganWidth, samples].map(String));
let pyOut = '', pyErr = '';
py.stdout.on('data', (d) => { pyOut += d; });
py.stderr.on('data', (d) => { pyErr += d; });
const pyDone = new Promise((res) => py.on('close', (code) => res(code)));

async function main() {
  const runs = path.join('runs', 'gen-quality');
  const quiet = { log: () => {} };
  const rec = my.train.genRecipes;
  const ae = rec.trainAeMnist({ variant: 'dense', epochs, trainLimit, testLimit, runDir: path.join(runs, 'ae'), ...quiet });
  log(ae.summary);
  const vae = rec.trainVaeMnist({ variant: 'dense', epochs, trainLimit, testLimit, runDir: path.join(runs, 'vae'), ...quiet });
  log(vae.summary);
  my.manualSeed(1);
  const vaeSamples = my.keep(my.noGrad(() => vae.model.sample(samples)));
  const gan = rec.trainGanMnist({ variant: 'cgan', epochs: ganEpochs, width: ganWidth, trainLimit, runDir: path.join(runs, 'cgan'), ...quiet });
  log(gan.summary);
  const want = my.keep(my.tensor(Array.from({ length: samples }, (_, i) => i % 10), { dtype: 'int64' }));
  const ganSamples = my.keep(my.noGrad(() => gan.model.sample(samples, want).add(1).div(2).clamp(0, 1)));
  // the classifier: the mnist-cnn recipe (Adam, 1 epoch on the same training subset)
  const cnn = await my.train.recipes.trainMnistCnn({ epochs: 1, trainLimit, progress: { start() {}, update() {}, stop() {} } });
  log(`classifier: ${cnn.summary}`);
  const net = cnn.model; net.eval();
  const head = new my.nn.Sequential(...[...net.children()].slice(0, 9));  // through the ReLU after fc 3136→128
  const feats = (x) => my.noGrad(() => my.tidy(() => {
    const parts = [];
    for (let i = 0; i < x.shape[0]; i += 500) parts.push(head.forward(x.narrow(0, i, Math.min(500, x.shape[0] - i)).sub(0.1307).div(0.3081)));
    return my.cat(parts, 0);
  }));
  const classOf = (x) => my.noGrad(() => my.tidy(() => net.forward(x.sub(0.1307).div(0.3081)).argmax(1)));
  const test = my.train.genRecipes.mnistPixels('test', testLimit);
  const testFeats = feats(test.x);
  const code = await pyDone;
  if (code !== 0) throw new Error(`baseline failed: ${pyErr}`);
  const torch = JSON.parse(pyOut);
  const load = (f) => my.tensor(new Float32Array(fs.readFileSync(path.join(out, f)).buffer.slice(0)), { shape: [samples, 1, 28, 28] });
  const tVae = load('torch_vae.f32'), tGan = load('torch_cgan.f32');
  const acc = (x) => classOf(x).eq(want).float().mean().item();
  const r = {
    sizes: { trainLimit, testLimit, epochs, ganEpochs, ganWidth, samples, classifierTestAcc: cnn.testAcc },
    aeTestMse: { myelin: ae.testMse, torch: torch.aeTestMse },
    vaeTestElbo: { myelin: vae.testElbo, torch: torch.vaeTestElbo },
    vaeFid: { myelin: my.utils.frechetDistance(feats(vaeSamples), testFeats), torch: my.utils.frechetDistance(feats(tVae), testFeats) },
    cganFid: { myelin: my.utils.frechetDistance(feats(ganSamples), testFeats), torch: my.utils.frechetDistance(feats(tGan), testFeats) },
    cganClassAcc: { myelin: acc(ganSamples), torch: acc(tGan) },
    testVsTrainFid: my.utils.frechetDistance(feats(my.train.genRecipes.mnistPixels('train', testLimit).x), testFeats),
    secondsPerEpoch: { ae: [ae.secondsPerEpoch, torch.aeSecondsPerEpoch], vae: [vae.secondsPerEpoch, torch.vaeSecondsPerEpoch], gan: [gan.secondsPerEpoch, torch.ganSecondsPerEpoch] },
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim(),
  };
  my.utils.saveImageGrid(ganSamples.narrow(0, 0, 100), path.join(runs, 'cgan-myelin.png'), { nrow: 10 });
  my.utils.saveImageGrid(tGan.narrow(0, 0, 100), path.join(runs, 'cgan-torch.png'), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  const rel = (k) => ((r[k].myelin - r[k].torch) / Math.abs(r[k].torch) * 100).toFixed(2);
  console.log(`AE test MSE: myelin ${r.aeTestMse.myelin.toFixed(5)}, torch ${r.aeTestMse.torch.toFixed(5)} (${rel('aeTestMse')}%)`);
  console.log(`VAE test ELBO (nats/image): myelin ${r.vaeTestElbo.myelin.toFixed(2)}, torch ${r.vaeTestElbo.torch.toFixed(2)} (${rel('vaeTestElbo')}%)`);
  console.log(`FID VAE: myelin ${r.vaeFid.myelin.toFixed(2)}, torch ${r.vaeFid.torch.toFixed(2)}; cGAN: myelin ${r.cganFid.myelin.toFixed(2)}, torch ${r.cganFid.torch.toFixed(2)}; train-vs-test ${r.testVsTrainFid.toFixed(2)}`);
  console.log(`cGAN samples classified as requested: myelin ${(100 * r.cganClassAcc.myelin).toFixed(1)}%, torch ${(100 * r.cganClassAcc.torch).toFixed(1)}%`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'gen_quality.json'), JSON.stringify(r, null, 1));
}
main().catch((e) => { console.error(e); py.kill(); process.exit(1); });
