// A tour of myelin's tensor core: creation, broadcasting, views, reductions, matmul,
// indexing and memory scopes. Run: node examples/quickstart.js
'use strict';
const my = require('..');

my.manualSeed(0);
console.log('backend:', my.backendInfo());

const x = my.tensor([[1, 2, 3], [4, 5, 6]]); // JS numbers make float32 (integers: { dtype: 'int64' } or bigints)
console.log('x =', x.toString());
console.log('x + [10, 20, 30] =', x.add(my.tensor([10, 20, 30])).toString());
console.log('x.T (a view) =', x.T.toString(), 'shares storage:', x.T.sharesStorageWith(x));
console.log('row sums', x.sum(1).toArray(), 'column max', x.max(0).values.toArray());
console.log('softmax rows', x.softmax(-1).toString());

const a = my.randn(256, 512), b = my.randn(512, 128);
const t0 = process.hrtime.bigint();
const c = my.matmul(a, b);
console.log(`matmul [256,512]x[512,128] -> [${c.shape}] in ${Number(process.hrtime.bigint() - t0) / 1e6} ms`);

const logits = my.randn(4, 10);
const { values, indices } = logits.topk(3);
console.log('top-3 classes per row', indices.toArray(), 'scores', values.toString());

const before = my.memory().numBytes;
const loss = my.tidy(() => c.relu().square().mean()); // intermediates freed here
console.log('mean relu^2 =', loss.item().toFixed(4), '| native bytes held by the scope afterwards:', my.memory().numBytes - before);
