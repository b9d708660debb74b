// The seeds' classics, each a recipe the CLI and the tests share:
// Rosenblatt's perceptron (AND, OR learn; XOR cannot), the XOR MLP 2-4-1, and Boston house
// prices (linear baseline vs MLP, test RMSE). Run: node examples/classics.js
'use strict';
const { train } = require('..');

console.log(train.recipes.trainPerceptron().summary);
console.log(train.recipes.trainXor().summary);
console.log(train.recipes.trainBoston().summary);
