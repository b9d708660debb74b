// Scores generated MNIST digits saved by another implementation (scripts/ddpm_torch.py) with the same myelin
// classifier and features as bench/ddpm_quality.js (bench/gen_score.js `score`), so both FIDs are on one feature map.
// Run: node bench/score_samples.js FILE.safetensors [clsEpochs=1] [clsLimit=60000]   (tensors `images` in [0, 1], `labels` int64)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');
const { classifier, score } = require('./gen_score');

async function main() {
  const file = process.argv[2];
  if (!file || !fs.existsSync(file)) throw new Error(`score_samples: no such samples file: ${file}`);
  const [clsEpochs, clsLimit] = [1, 60000].map((d, i) => Number(process.argv[3 + i] ?? d));
  const { tensors, metadata } = my.io.readSafetensors(file);
  const imgs = tensors.images, want = tensors.labels.to('int64');
  if (imgs.ndim !== 4 || imgs.shape.slice(1).join() !== '1,28,28') throw new Error(`score_samples: images must be [N, 1, 28, 28], got [${imgs.shape.join(', ')}]`);
  if (want.ndim !== 1 || want.shape[0] !== imgs.shape[0]) throw new Error(`score_samples: labels must be [${imgs.shape[0]}], got [${want.shape.join(', ')}]`);
  const net = await classifier(clsEpochs, clsLimit);
  const sizes = metadata.sizes ? JSON.parse(metadata.sizes) : {};
  if (sizes.trainLimit) sizes.steps = (sizes.stopAfter ?? sizes.epochs) * Math.ceil(sizes.trainLimit / sizes.batchSize);
  const r = { impl: metadata.impl ?? 'unknown', file, sizes: { ...sizes, clsEpochs, clsLimit }, ...score(net, imgs, want),
    secondsPerEpoch: Number(metadata.secondsPerEpoch ?? NaN), sampleSeconds: Number(metadata.sampleSeconds ?? NaN),
    losses: metadata.losses ? JSON.parse(metadata.losses) : undefined, clipSample: metadata.clipSample === 'True', threads: metadata.threads, torch: metadata.torch,
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
  my.utils.saveImageGrid(imgs.narrow(0, 0, Math.min(100, imgs.shape[0])), file.replace(/\.safetensors$/, '.png'), { nrow: 10 });
  console.log(JSON.stringify(r, null, 1));
  console.log(`${r.impl}: ${imgs.shape[0]} samples classified as requested ${(100 * r.classAcc).toFixed(2)}% (classifier ${(100 * r.classifierTestAcc).toFixed(2)}%), FID ${r.fid.toFixed(2)}`);
  const s = r.sizes;
  const name = s.width ? `ddpm_quality_${r.impl}_w${s.width}-b${s.batchSize}-e${s.epochs}-n${s.trainLimit}${s.stopAfter < s.epochs ? `-k${s.stopAfter}` : ''}_n${s.samples}_s${s.ddimSteps}_g${s.guidance}${r.clipSample ? '_clip' : ''}.json`
    : `ddpm_quality_${r.impl}_${path.basename(file, '.safetensors')}.json`;
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', name), JSON.stringify(r, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
