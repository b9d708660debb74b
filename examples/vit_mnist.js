// A Vision Transformer on MNIST (the vit-mnist recipe): patch 7, width 64, 4 pre-norm blocks,
// AdamW with warmup and cosine decay; prints the test accuracy after each epoch.
// Run: node examples/vit_mnist.js [epochs] [trainLimit]   (full size: 10 epochs, all 60,000 images)
'use strict';
const my = require('..');

(async () => {
  const epochs = Number(process.argv[2] || 10), trainLimit = process.argv[3] ? Number(process.argv[3]) : undefined;
  const r = await my.train.transformerRecipes.trainVitMnist({ epochs, trainLimit, seed: 0 });
  for (const l of r.logs) console.log(`epoch ${l.epoch}: test accuracy ${(100 * l.testAcc).toFixed(2)}%`);
  console.log(r.summary);
})().catch((e) => { console.error(e.message); process.exit(1); });
