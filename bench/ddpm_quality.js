// Class-conditional DDPM quality: trains the ddpm-mnist recipe (or loads its U-Net from runs/ddpm-quality/), draws
// guided DDIM samples for requested digits and scores them with bench/gen_score.js: the share the mnist-cnn
// classifier labels as the requested digit (the issue asks >= 90%) and the Fréchet distance to the test set.
// Run: node bench/ddpm_quality.js [epochs=10] [trainLimit=60000] [samples=10000] [ddimSteps=50] [guidance=3] [clsEpochs=1] [clsLimit=60000] [width=32] [batch=128] [clip=0]
// clip=1 samples with clipDenoised (x̂0 clamped to [-1, 1]; scripts/ddpm_torch.py's DDPM_TORCH_CLIP=1).
// The U-Net is saved after each epoch (runs/ddpm-quality/<sizes>/unet.safetensors) and reused when present.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');
const { classifier, score, log } = require('./gen_score');

const [epochs, trainLimit, samples, ddimSteps, guidance, clsEpochs, clsLimit, width, batchSize, clip] =
  [10, 60000, 10000, 50, 3, 1, 60000, 32, 128, 0].map((d, i) => Number(process.argv[2 + i] ?? d));
const clipDenoised = clip === 1, clipTag = clipDenoised ? '-clip' : '';
const tag = `w${width}-b${batchSize}-e${epochs}-n${trainLimit}`;
const dir = path.join('runs', 'ddpm-quality', tag);

async function main() {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'unet.safetensors'), done = path.join(dir, 'trained.json');
  let diffusion, seconds = null;
  // DDPM_CHECKPOINT=k scores the per-epoch checkpoint of a run still training, written after its epoch k
  const midway = !fs.existsSync(done) && Number(process.env.DDPM_CHECKPOINT) > 0 && fs.existsSync(file);
  const trained = midway ? Number(process.env.DDPM_CHECKPOINT) : epochs;
  if (fs.existsSync(done) || midway) {
    if (!midway) seconds = JSON.parse(fs.readFileSync(done, 'utf8')).secondsPerEpoch;
    const net = new my.models.UNet({ channels: width, channelMults: [1, 2, 2], attentionLevels: [2], groups: 8, numClasses: 10 });
    net.loadStateDict(my.io.loadSafetensors(file));
    net.eval();
    diffusion = new my.models.GaussianDiffusion(net, new my.models.NoiseSchedule(1000));
  } else {
    const run = my.train.trainDdpmMnist({ epochs, trainLimit, width, batchSize, runDir: dir, samplesPerClass: 1, ddimSteps, guidanceScale: guidance, clipDenoised, checkpoint: file, log });
    diffusion = run.diffusion; seconds = run.secondsPerEpoch;
    run.model.save(file);
    fs.writeFileSync(done, JSON.stringify({ secondsPerEpoch: seconds, losses: run.losses, loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() }));
  }
  const net = await classifier(clsEpochs, clsLimit);
  const t0 = performance.now();
  my.manualSeed(1);
  const labels = Array.from({ length: samples }, (_, i) => i % 10);
  const parts = [];
  for (let i = 0; i < samples; i += 250) {
    const k = Math.min(250, samples - i);
    const x = diffusion.sampleDdim(k, [1, 28, 28], { steps: ddimSteps, labels: labels.slice(i, i + k), guidanceScale: guidance, clipDenoised });
    parts.push(my.keep(my.noGrad(() => x.add(1).div(2).clamp(0, 1)))); x.dispose();
  }
  const imgs = my.keep(my.cat(parts, 0)); parts.forEach((t) => t.dispose());
  const sampleSeconds = (performance.now() - t0) / 1000;
  const want = my.keep(my.tensor(labels, { dtype: 'int64' }));
  my.io.saveSafetensors({ images: imgs, labels: want }, path.join(dir, `samples-n${samples}-s${ddimSteps}-w${guidance}${midway ? `-k${trained}` : ''}${clipTag}.safetensors`));
  const r = { impl: 'myelin', sizes: { width, batchSize, epochs, stopAfter: trained, trainLimit, steps: trained * Math.ceil(trainLimit / batchSize), samples, ddimSteps, guidance, clipDenoised, clsEpochs, clsLimit },
    ...score(net, imgs, want), secondsPerEpoch: seconds, sampleSeconds, loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
  my.utils.saveImageGrid(imgs.narrow(0, 0, Math.min(100, samples)), path.join(dir, 'samples.png'), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  console.log(`DDPM width ${width} batch ${batchSize} (${epochs} epoch(s) on ${trainLimit}, DDIM ${ddimSteps} steps, guidance ${guidance}${clipDenoised ? ', x̂0 clipped' : ''}): ${samples} samples classified as requested ${(100 * r.classAcc).toFixed(2)}% (classifier ${(100 * r.classifierTestAcc).toFixed(2)}%), FID ${r.fid.toFixed(2)}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `ddpm_quality_${tag}_n${samples}_s${ddimSteps}_g${guidance}${midway ? `_k${trained}` : ''}${clipTag.replace('-', '_')}.json`), JSON.stringify(r, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
