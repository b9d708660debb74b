// CartPole DQN throughput (issue 21): env steps, greedy actions, replay updates (batch 64, 4-256-256-2,
// Huber, clipped Adam) and a whole recipe window (3,000 env steps + 1,024 updates, rl-zoo's settings)
// against PyTorch + gymnasium's same loop (bench/baselines/rl.py). One kernel thread on both sides.
// Run: node bench/run.js rl
'use strict';
const b = require('benny');
const my = require('..');
const { rl } = my;

my.setNumThreads(1);
const WINDOW = 3000, WINDOW_UPDATES = 1024;  // updates at steps 1280, 1536, ..., 2816: 8 bursts of 128

function filled() {
  const agent = new rl.DQN(() => rl.make('CartPole-v1'), rl.DQN_CARTPOLE);
  const env = rl.make('CartPole-v1');
  let o = env.reset({ seed: 0 }).observation;
  for (let i = 0; i < 2000; i++) {
    const a = i % 2, r = env.step(a);
    agent.buffer.add(o, a, r.reward, r.observation, r.terminated);
    o = r.terminated || r.truncated ? env.reset().observation : r.observation;
  }
  return { agent, o };
}

const cases = [
  { name: 'cartpole env step', setup() {
    const env = rl.make('CartPole-v1'); env.reset({ seed: 0 }); let i = 0;
    return () => { const r = env.step(i++ & 1); if (r.terminated || r.truncated) env.reset(); };
  } },
  { name: 'dqn greedy act (1 obs)', setup() { const { agent, o } = filled(); return () => agent.act(o, 0); } },
  { name: 'dqn update B64 H256', setup() { const { agent } = filled(); return () => agent.update(); } },
  { name: `dqn cartpole ${WINDOW} steps + ${WINDOW_UPDATES} updates`, window: true, setup() {
    return () => new rl.DQN(() => rl.make('CartPole-v1'), rl.DQN_CARTPOLE).learn({ totalSteps: WINDOW });
  } },
];

async function runCase(c) {
  const fn = c.setup();
  if (c.window) {  // seconds-long: time 3 runs directly
    const t = [];
    for (let i = 0; i < 3; i++) { const t0 = performance.now(); fn(); t.push((performance.now() - t0) / 1000); }
    t.sort((a, b) => a - b);
    return 1 / t[1];
  }
  const summary = await b.suite(c.name, b.add(c.name, fn, { minSamples: 10, maxTime: 2 }), b.cycle(() => {}));
  return 1 / summary.results[0].details.median;
}

module.exports = {
  cases, runCase, baseline: 'rl.py',
  notes: (rows) => rows.filter((r) => r.name.startsWith('dqn cartpole')).map((r) =>
    `${r.name}: myelin ${Math.round(r.myelin * (WINDOW + WINDOW_UPDATES))} env steps + updates per second, PyTorch `
    + `${r.torch ? Math.round(r.torch * (WINDOW + WINDOW_UPDATES)) : '-'} (myelin/PyTorch ${r.vsTorch ? r.vsTorch.toFixed(2) : '-'}x)`),
};
