// Hyperparameter search: TPE over the MNIST MLP's learning rate, width and dropout, two trials at a time on
// worker threads, bad trials stopped early by the median rule. Prints each trial, the table and the best.
//   node examples/tune_mnist.js [trials]
const { tune } = require('..');

tune.tuneMnist({ trials: Number(process.argv[2] ?? 20), parallel: 2, log: console.log })
  .then((r) => console.log(r.summary));
