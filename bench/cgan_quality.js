// Conditional GAN quality at (near) full size: trains the gan-mnist recipe's cGAN on MNIST and reports the share
// of 10,000 class-conditional samples (1,000 per digit) the mnist-cnn recipe's classifier labels as the requested
// digit (the issue asks >= 90%) and their Fréchet distance to the test set (bench/gen_score.js). The generator is
// kept in runs/cgan-quality/ so a rerun only scores.
// Run: node bench/cgan_quality.js [epochs=2] [width=16] [trainLimit=60000] [samples=10000] [clsEpochs=1] [clsLimit=60000]
//        [conditioning=concat|projection] [realTarget=1]
// It also writes the samples (images, labels) to samples.safetensors for bench/gen_twin_quality.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');
const { classifier, score, log } = require('./gen_score');

const [epochs, width, trainLimit, samples, clsEpochs, clsLimit] = [2, 16, 60000, 10000, 1, 60000].map((d, i) => Number(process.argv[2 + i] ?? d));
const conditioning = process.argv[8] ?? 'concat', realTarget = Number(process.argv[9] ?? 1);
const tag = `w${width}-e${epochs}-n${trainLimit}${conditioning === 'concat' ? '' : `-${conditioning}`}${realTarget === 1 ? '' : `-rt${realTarget}`}`;
const dir = path.join('runs', 'cgan-quality', tag);

async function main() {
  fs.mkdirSync(dir, { recursive: true });
  const gFile = path.join(dir, 'G.safetensors');
  let G, ganSeconds = null;
  if (fs.existsSync(gFile)) {
    G = new my.models.DCGANGenerator({ numClasses: 10, width });  // the generator is the same for every conditioning
    G.loadStateDict(my.io.loadSafetensors(gFile));
  } else {
    const gan = my.train.genRecipes.trainGanMnist({ variant: 'cgan', epochs, width, trainLimit, runDir: dir, log, conditioning, realTarget });
    G = gan.model; ganSeconds = gan.secondsPerEpoch;
    G.save(gFile);
  }
  G.eval();
  const net = await classifier(clsEpochs, clsLimit);
  my.manualSeed(1);
  const want = my.keep(my.tensor(Array.from({ length: samples }, (_, i) => i % 10), { dtype: 'int64' }));
  const imgs = my.keep(my.noGrad(() => my.tidy(() => {
    const parts = [];
    for (let i = 0; i < samples; i += 500) parts.push(G.sample(Math.min(500, samples - i), want.narrow(0, i, Math.min(500, samples - i))).add(1).div(2).clamp(0, 1));
    return my.cat(parts, 0);
  })));
  const r = { sizes: { epochs, width, trainLimit, samples, clsEpochs, clsLimit, conditioning, realTarget }, ...score(net, imgs, want),
    ganSecondsPerEpoch: ganSeconds, loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
  my.utils.saveImageGrid(imgs.narrow(0, 0, 100), path.join(dir, 'samples.png'), { nrow: 10 });
  my.io.saveSafetensors({ images: imgs, labels: want }, path.join(dir, 'samples.safetensors'));  // for bench/gen_twin_quality.js
  console.log(JSON.stringify(r, null, 1));
  console.log(`cGAN (width ${width}, ${epochs} epoch(s) on ${trainLimit}): ${samples} samples classified as requested ${(100 * r.classAcc).toFixed(2)}% (classifier ${(100 * r.classifierTestAcc).toFixed(2)}%), FID ${r.fid.toFixed(2)}`);
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(r, null, 1));
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `cgan_quality_${tag.replace(/-/g, '_')}.json`), JSON.stringify(r, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
