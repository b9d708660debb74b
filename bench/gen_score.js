// Scoring generated MNIST digits (shared by bench/cgan_quality.js and bench/ddpm_quality.js): the mnist-cnn
// recipe's classifier, trained once and kept in runs/gen-classifier/, labels the samples (share recognized as the
// requested class) and gives the penultimate (128-d) features for the Fréchet distance to the test set.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const my = require('..');

const log = (s) => process.stderr.write(`${s}\n`);
const classifierFile = (epochs, limit) => path.join('runs', 'gen-classifier', `cnn-e${epochs}-n${limit}.safetensors`);

/** The mnist-cnn recipe's model (Adam, `epochs` over the first `limit` training images), trained once and kept on disk. */
async function classifier(epochs = 1, limit = 60000) {
  const file = classifierFile(epochs, limit);
  if (!fs.existsSync(file)) {
    const cnn = await my.train.recipes.trainMnistCnn({ epochs, trainLimit: limit, progress: { start() {}, update() {}, stop() {} } });
    log(`classifier: ${cnn.summary}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    cnn.model.save(file);
  }
  const net = my.train.recipes.mnistCnn();
  net.loadStateDict(my.io.loadSafetensors(file));
  net.eval();
  return net;
}

/**
 * Scores images in [0, 1] ([N, 1, 28, 28]) generated for the int64 labels `want`: the share the classifier labels
 * as requested (overall and per class), the Fréchet distance to the test set on its penultimate features, and the
 * classifier's own test accuracy.
 */
function score(net, imgs, want) {
  const head = new my.nn.Sequential(...[...net.children()].slice(0, 9));  // through the ReLU after fc 3136→128
  const chunks = (x, f) => my.noGrad(() => my.tidy(() => {
    const parts = [];
    for (let i = 0; i < x.shape[0]; i += 500) parts.push(f(x.narrow(0, i, Math.min(500, x.shape[0] - i)).sub(0.1307).div(0.3081)));
    return my.cat(parts, 0);
  }));
  const test = my.train.genRecipes.mnistPixels('test');
  const r = my.noGrad(() => my.tidy(() => {
    const pred = chunks(imgs, (x) => net.forward(x).argmax(1));
    return {
      classifierTestAcc: chunks(test.x, (x) => net.forward(x).argmax(1)).eq(test.y).float().mean().item(),
      classAcc: pred.eq(want).float().mean().item(),
      perClass: Array.from({ length: 10 }, (_, c) => pred.eq(want).logicalAnd(want.eq(c)).float().sum().item() / Math.max(1, want.eq(c).float().sum().item())),
      fid: my.utils.frechetDistance(chunks(imgs, (x) => head.forward(x)), chunks(test.x, (x) => head.forward(x))),
    };
  }));
  test.x.dispose(); test.y.dispose();
  return r;
}

module.exports = { classifier, classifierFile, score, log };
