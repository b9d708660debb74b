// Per-op overhead of a 1-element add, in the three ways a user frees results (left to the
// GC, dispose() each, tidy per step of 10 ops), side by side with PyTorch eager
// (bench/baselines/overhead.py). The work is the call path itself: ts/call.ts.
// Run: node bench/run.js overhead --rounds 3
'use strict';
const b = require('benny');
const my = require('..');

const cases = [];
const add = (name, setup, opsPerCall = 1) => cases.push({ name, setup, opsPerCall });

add('add 1 element, left to the GC (overhead)', () => {
  const a = my.ones(1), c = my.ones(1);
  return () => a.add(c);
});
add('add 1 element, dispose each (overhead)', () => {
  const a = my.ones(1), c = my.ones(1);
  return () => a.add(c).dispose();
});
// one call is one step of 10 ops inside tidy; the rate is reported per op
add('add 1 element, tidy per 10 ops (overhead)', () => {
  const a = my.ones(1), c = my.ones(1);
  return () => my.tidy(() => { for (let i = 0; i < 10; i++) a.add(c); });
}, 10);

async function runCase(c) {
  const fn = c.setup();
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 5, maxTime: 1.5 }), b.cycle(() => {}));
  return c.opsPerCall / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'overhead.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${(1e6 / r.myelin).toFixed(3)} us/op, PyTorch eager ${r.torch ? (1e6 / r.torch).toFixed(3) : '-'} us/op, time ratio ${r.torch ? (r.torch / r.myelin).toFixed(2) : '-'}x of PyTorch's`),
};
