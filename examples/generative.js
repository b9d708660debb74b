// Generative models on MNIST: a VAE, a walk through its latent space between a test 1 and a
// test 7 as a PNG strip, and a conditional DCGAN (one row per digit); every grid is a PNG
// in the run directory the recipe prints (runs/<recipe>-<time>/epoch-N.png).
// Run: node examples/generative.js [epochs] [train images]
'use strict';
const my = require('..');

const epochs = Number(process.argv[2] || 2);
const trainLimit = process.argv[3] ? Number(process.argv[3]) : 10000;
const vae = my.train.genRecipes.trainVaeMnist({ variant: 'dense', epochs, trainLimit });
console.log(vae.summary);
// the walk through the VAE's latent space (its means), decoded to pixel probabilities
const { x, y } = my.train.genRecipes.mnistPixels('test', 100);
const labels = Array.from(y.data(), Number);
const a = x.narrow(0, labels.indexOf(1), 1), b = x.narrow(0, labels.indexOf(7), 1);
const strip = my.models.interpolateLatent(vae.model, a, b, 10);
console.log(`wrote ${my.utils.saveImageGrid(strip, `${vae.runDir}/interpolation.png`, { nrow: 10 })}`);
const gan = my.train.genRecipes.trainGanMnist({ variant: 'cgan', epochs: 1, trainLimit, width: 32 });
console.log(gan.summary);
