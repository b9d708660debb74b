// Tiny training updates on 1 and 2 kernel threads, on a quiet core pair and with one core
// taken by a busy process (the oversubscribed pool that made the RL recipes pin
// setNumThreads(1)), side by side with PyTorch (bench/baselines/threads.py). Small ops run
// inline on the calling thread (grain sizes), so 2 threads should cost no more than 1.
// Run: node bench/run.js threads --rounds 3
'use strict';
const b = require('benny');
const { spawn } = require('child_process');
const my = require('..');

const cases = [];
// [name, hidden width]: a DQN-sized update (rl-zoo's CartPole net) and a PPO-sized one
const NETS = [['4-256-256-2', 256], ['4-64-64-2', 64]];
for (const [net, h] of NETS) {
  for (const threads of [1, 2]) {
    for (const busy of [false, true]) {
      cases.push({ name: `mlp ${net} B64 Adam update, ${threads} thread${threads > 1 ? 's' : ''}${busy ? ', one core busy' : ''}`, h, threads, busy });
    }
  }
}

function update(h) {
  my.manualSeed(0);
  const { Sequential, Linear, ReLU } = my.nn;
  const m = new Sequential(new Linear(4, h), new ReLU(), new Linear(h, h), new ReLU(), new Linear(h, 2));
  const opt = new my.optim.Adam(m.parameters(), { lr: 1e-3 });
  const x = my.randn(64, 4), y = my.randn(64, 2);
  return () => my.tidy(() => {
    opt.zeroGrad();
    m.forward(x).sub(y).square().mean().backward();
    opt.step();
  });
}

// One core taken by a spinning process for the case's duration (both sides use the same one).
function busyCore() {
  const p = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => p.kill('SIGKILL');
}

async function runCase(c) {
  const before = my.backendInfo().numThreads;
  my.setNumThreads(c.threads);
  const stop = c.busy ? busyCore() : () => {};
  try {
    const fn = update(c.h);
    const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 10, maxTime: 1.5 }), b.cycle(() => {}));
    return 1 / summary.results[0].details.median;
  } finally {
    stop();
    my.setNumThreads(before);
  }
}

module.exports = {
  cases, runCase, baseline: 'threads.py',
  notes: (rows) => {
    const out = [];
    for (const [net] of NETS) for (const busy of ['', ', one core busy']) {
      const one = rows.find((r) => r.name === `mlp ${net} B64 Adam update, 1 thread${busy}`);
      const two = rows.find((r) => r.name === `mlp ${net} B64 Adam update, 2 threads${busy}`);
      if (one && two) out.push(`${net}${busy || ', quiet'}: 2 threads take ${(one.myelin / two.myelin).toFixed(2)}x the time of 1 (PyTorch ${one.torch && two.torch ? (one.torch / two.torch).toFixed(2) : '-'}x)`);
    }
    return out;
  },
};
