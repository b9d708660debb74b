// Graph neural networks on offline data (ts/gnn/tasks.ts): Zachary's karate club from four
// labelled members, semi-supervised MNIST on a 10-nearest-neighbour graph (GCN against an MLP
// with the same 100 labels), and MNIST digits as pixel graphs classified by GIN.
// Run: node examples/gnn.js [karate|knn|graphs|all]
'use strict';
const { gnn } = require('..');

const which = process.argv[2] || 'all';
if (which === 'karate' || which === 'all') console.log(gnn.karateClubGcn({ seed: 0 }).summary);
if (which === 'knn' || which === 'all') console.log(gnn.mnistKnnNodeClassification({ seed: 0 }).summary);
if (which === 'graphs' || which === 'all') console.log(gnn.mnistGraphClassification({ seed: 0 }).summary);
