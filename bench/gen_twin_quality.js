// Generative quality, myelin next to PyTorch at full size, both scored by the ONE myelin classifier (bench/gen_score.js,
// runs/gen-classifier/): the share of class-conditional samples recognized as the requested digit and the Fréchet
// distance of 10,000 samples to the 10,000 test images on its penultimate features. PyTorch's twin is
// scripts/gen_torch.py (same architecture, init, optimizer, batch, steps, data scaling); its samples come as safetensors.
// Run: node bench/gen_twin_quality.js cgan MYELIN.safetensors TORCH.safetensors [TORCH_LOG_JSON] [NAME]
//        (the myelin file: bench/cgan_quality.js writes runs/cgan-quality/<run>/samples.safetensors)
//      node bench/gen_twin_quality.js vae [epochs=10] [samples=10000]
//        (trains the vae-mnist (dense) recipe here, then its twin, one after the other; adds both test ELBOs)
//      node bench/gen_twin_quality.js score FILE.safetensors...   (scores sample files alone, one JSON line each)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');
const { classifier, score, log } = require('./gen_score');

const python = fs.existsSync('/tmp/venv-c/bin/python') ? '/tmp/venv-c/bin/python' : 'python3';
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').trim();
const readSamples = (file) => {
  const t = my.io.loadSafetensors(file);
  return { imgs: my.keep(t.images.float()), want: my.keep(t.labels.long()) };
};
const pick = ({ classAcc, perClass, fid, classifierTestAcc }) => ({ classAcc, perClass, fid, classifierTestAcc });

async function cgan([mFile, tFile, tJson, name]) {
  const net = await classifier(1, 60000);
  const m = readSamples(mFile), t = readSamples(tFile);
  const r = { myelin: { file: mFile, ...pick(score(net, m.imgs, m.want)) }, torch: { file: tFile, ...pick(score(net, t.imgs, t.want)) } };
  if (tJson) r.torch.run = JSON.parse(fs.readFileSync(tJson, 'utf8').trim().split('\n').pop());
  const mJson = path.join(path.dirname(mFile), 'result.json');
  if (fs.existsSync(mJson)) r.myelin.run = JSON.parse(fs.readFileSync(mJson, 'utf8'));
  r.loadavg = loadavg();
  for (const [k, x] of [['myelin', m], ['torch', t]]) my.utils.saveImageGrid(x.imgs.narrow(0, 0, 100), path.join(path.dirname(mFile), `grid-${k}.png`), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  console.log(`cGAN, 10,000 samples: recognized as requested myelin ${(100 * r.myelin.classAcc).toFixed(2)}%, torch ${(100 * r.torch.classAcc).toFixed(2)}%; FID myelin ${r.myelin.fid.toFixed(2)}, torch ${r.torch.fid.toFixed(2)} (classifier ${(100 * r.myelin.classifierTestAcc).toFixed(2)}%)`);
  fs.writeFileSync(path.join(__dirname, 'results', `${name ?? 'cgan_twin_quality'}.json`), JSON.stringify(r, null, 1));
}

async function vae([epochs = 10, samples = 10000]) {
  epochs = Number(epochs); samples = Number(samples);
  const dir = path.join('runs', 'vae-twin', `e${epochs}`);
  fs.mkdirSync(dir, { recursive: true });
  my.setNumThreads(1);  // one thread each side: on the shared 2-core box two threads mostly wait on each other
  const v = my.train.genRecipes.trainVaeMnist({ variant: 'dense', epochs, runDir: dir, log });
  my.manualSeed(1);
  const imgs = my.keep(my.noGrad(() => my.tidy(() => v.model.sample(samples))));
  const want = my.keep(my.zeros([samples], { dtype: 'int64' }));
  const mLoad = loadavg();
  const tFile = path.join(dir, 'torch_vae.safetensors');
  const py = spawnSync(python, [path.join(__dirname, '..', 'scripts', 'gen_torch.py'), 'vae', tFile, String(epochs), '0', '60000', String(samples), '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (py.status !== 0) throw new Error(`gen_torch.py vae failed (status ${py.status})`);
  const tRun = JSON.parse(py.stdout.trim().split('\n').pop());
  const net = await classifier(1, 60000);
  const t = readSamples(tFile);
  const r = {
    recipe: 'vae-mnist dense (784-400-20), Adam 1e-3, batch 128, 60,000 training images', epochs, samples, threads: 1,
    testElbo: { myelin: v.testElbo, torch: tRun.testElbo, relDiff: (v.testElbo - tRun.testElbo) / Math.abs(tRun.testElbo) },
    fid: { myelin: score(net, imgs, want).fid, torch: score(net, t.imgs, t.want).fid },
    secondsPerEpoch: { myelin: v.secondsPerEpoch, torch: tRun.secondsPerEpoch },
    loadavg: { myelin: mLoad, end: loadavg() },
  };
  my.utils.saveImageGrid(imgs.narrow(0, 0, 100), path.join(dir, 'grid-myelin.png'), { nrow: 10 });
  my.utils.saveImageGrid(t.imgs.narrow(0, 0, 100), path.join(dir, 'grid-torch.png'), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  console.log(`VAE (${epochs} epochs): test ELBO myelin ${r.testElbo.myelin.toFixed(2)}, torch ${r.testElbo.torch.toFixed(2)} nats/image (${(100 * r.testElbo.relDiff).toFixed(2)}%); FID of ${samples} prior samples myelin ${r.fid.myelin.toFixed(2)}, torch ${r.fid.torch.toFixed(2)}`);
  fs.writeFileSync(path.join(__dirname, 'results', `vae_twin_quality_e${epochs}.json`), JSON.stringify(r, null, 1));
}

async function scoreFiles(files) {
  const net = await classifier(1, 60000);
  for (const f of files) {
    const x = readSamples(f);
    console.log(JSON.stringify({ file: f, ...pick(score(net, x.imgs, x.want)), loadavg: loadavg() }));
    x.imgs.dispose(); x.want.dispose();
  }
}

const [which, ...rest] = process.argv.slice(2);
(which === 'cgan' ? cgan(rest) : which === 'vae' ? vae(rest) : which === 'score' ? scoreFiles(rest) : Promise.reject(new Error(`gen_twin_quality: the first argument must be cgan, vae or score, got ${which}`)))
  .catch((e) => { console.error(e); process.exit(1); });
