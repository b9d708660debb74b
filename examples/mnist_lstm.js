// MNIST read row by row: each image is a 28-step sequence of 28 pixels, an LSTM 128 reads it
// and a Linear layer classifies its last output (the mnist-lstm recipe).
// Run: node examples/mnist_lstm.js [epochs] [train images]
'use strict';
const my = require('..');

(async () => {
  const epochs = Number(process.argv[2] || 5);
  const trainLimit = process.argv[3] ? Number(process.argv[3]) : undefined;
  const r = await my.train.seqRecipes.trainMnistLstm({ epochs, trainLimit, seed: 0 });
  console.log(r.summary);
})().catch((e) => { console.error(e.message); process.exit(1); });
