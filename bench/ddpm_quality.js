// Class-conditional DDPM quality: trains the ddpm-mnist recipe (or loads its U-Net from runs/ddpm-quality/), draws
// guided DDIM samples for requested digits and scores them with bench/gen_score.js: the share the mnist-cnn
// classifier labels as the requested digit (the issue asks >= 90%) and the Fréchet distance to the test set.
// Run: node bench/ddpm_quality.js [epochs=10] [trainLimit=60000] [samples=10000] [ddimSteps=50] [guidance=3] [clsEpochs=1] [clsLimit=60000]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');
const { classifier, score, log } = require('./gen_score');

const [epochs, trainLimit, samples, ddimSteps, guidance, clsEpochs, clsLimit] = [10, 60000, 10000, 50, 3, 1, 60000].map((d, i) => Number(process.argv[2 + i] ?? d));
const dir = path.join('runs', 'ddpm-quality', `e${epochs}-n${trainLimit}`);

async function main() {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'unet.safetensors');
  let diffusion, seconds = null;
  if (fs.existsSync(file)) {
    const net = new my.models.UNet({ channels: 32, channelMults: [1, 2, 2], attentionLevels: [2], groups: 8, numClasses: 10 });
    net.loadStateDict(my.io.loadSafetensors(file));
    net.eval();
    diffusion = new my.models.GaussianDiffusion(net, new my.models.NoiseSchedule(1000));
  } else {
    const run = my.train.trainDdpmMnist({ epochs, trainLimit, runDir: dir, samplesPerClass: 1, log });
    diffusion = run.diffusion; seconds = run.secondsPerEpoch;
    run.model.save(file);
  }
  const net = await classifier(clsEpochs, clsLimit);
  my.manualSeed(1);
  const labels = Array.from({ length: samples }, (_, i) => i % 10);
  const parts = [];
  for (let i = 0; i < samples; i += 250) {
    const k = Math.min(250, samples - i);
    const x = diffusion.sampleDdim(k, [1, 28, 28], { steps: ddimSteps, labels: labels.slice(i, i + k), guidanceScale: guidance });
    parts.push(my.keep(my.noGrad(() => x.add(1).div(2).clamp(0, 1)))); x.dispose();
  }
  const imgs = my.keep(my.cat(parts, 0)); parts.forEach((t) => t.dispose());
  const want = my.keep(my.tensor(labels, { dtype: 'int64' }));
  const r = { sizes: { epochs, trainLimit, samples, ddimSteps, guidance, clsEpochs, clsLimit }, ...score(net, imgs, want),
    secondsPerEpoch: seconds, loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
  my.utils.saveImageGrid(imgs.narrow(0, 0, Math.min(100, samples)), path.join(dir, 'samples.png'), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  console.log(`DDPM (${epochs} epoch(s) on ${trainLimit}, DDIM ${ddimSteps} steps, guidance ${guidance}): ${samples} samples classified as requested ${(100 * r.classAcc).toFixed(2)}% (classifier ${(100 * r.classifierTestAcc).toFixed(2)}%), FID ${r.fid.toFixed(2)}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `ddpm_quality_e${epochs}_n${trainLimit}.json`), JSON.stringify(r, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
