// Transfer learning on MNIST: pretrain LeNet-5 on the digits 0-4, freeze it, replace its
// last layer with a fresh 84 -> 5 head and train only that head on the digits 5-9; then
// check that no backbone parameter moved. Run: node examples/transfer_learning.js
'use strict';
const my = require('..');
const { nn, optim, data, models } = my;

my.manualSeed(0);
const { train, test } = my.train.recipes.mnistDatasets(20000);
/** The samples whose digit passes `keep`, relabelled by subtracting `shift`. */
function digits(ds, keep, shift) {
  const [x, y] = ds.tensors;
  const idx = [...y.data()].flatMap((d, i) => (keep(Number(d)) ? [i] : []));
  const it = my.tensor(idx, { dtype: 'int64' });
  return new data.TensorDataset(x.indexSelect(0, it), y.indexSelect(0, it).sub(shift));
}
const fit = (model, params, ds, epochs) => my.train.fit(model, new data.DataLoader(ds, { batchSize: 64, shuffle: true }), {
  epochs, optimizer: new optim.Adam(params, { lr: 1e-3 }), lossFn: (o, t) => nn.functional.crossEntropy(o, t),
  test: new data.DataLoader(digits(test, (d) => (ds === low ? d < 5 : d >= 5), ds === low ? 0 : 5), { batchSize: 1000 }),
});
const low = digits(train, (d) => d < 5, 0), high = digits(train, (d) => d >= 5, 5);

const model = models.lenet5();
console.log('pretraining on digits 0-4');
fit(model, model.parameters(), low, 1);

model.requiresGrad_(false);                        // freeze the backbone
model.classifier.registerModule('5', new nn.Linear(84, 5));   // new head: digits 5-9 as classes 0-4
const head = model.classifier.at(5);
const before = new Map(model.namedParameters().filter(([, p]) => !head.parameters().includes(p)).map(([k, p]) => [k, p.clone()]));
console.log(`training only the head (${head.parameters().map((p) => p.numel()).reduce((a, b) => a + b)} of ${model.parameters().map((p) => p.numel()).reduce((a, b) => a + b)} parameters) on digits 5-9`);
const logs = fit(model, head.parameters(), high, 2);

const now = new Map(model.namedParameters());
const moved = [...before].filter(([k, p]) => p.ne(now.get(k)).any().item());
console.log(`digits 5-9 test accuracy with the frozen 0-4 features: ${(100 * logs[logs.length - 1].testAcc).toFixed(2)}%`);
console.log(`backbone parameters changed: ${moved.length} of ${before.size}`);
if (moved.length) process.exit(1);
