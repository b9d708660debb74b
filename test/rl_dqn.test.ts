// DQN against its PyTorch twin (bench/baselines/rl_cartpole.py): the gradient step from the same
// weights over the same replay batches (test/fixtures/rl_dqn.json, scripts/gen_rl_dqn_fixtures.py),
// and the loop's schedule (updates, target syncs, ε, bootstrapping past a time-limit truncation)
// counted against the twin's formulas.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import { rl, tensor, setNumThreads, backendInfo } from '../ts/index';

interface Case {
  seed: number; hidden: number; lr: number; gamma: number; maxGradNorm: number; batch: number; syncAfter: number[];
  init: Record<string, number[]>; final: Record<string, number[]>;
  obs: number[]; next: number[]; actions: number[]; rewards: number[]; dones: number[];
  batches: number[][]; losses: number[]; gradNorms: number[];
}
const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rl_dqn.json'), 'utf8')) as { cases: Case[] };
const cartpole = () => rl.make('CartPole-v1');
const shapes = (h: number): Record<string, number[]> => ({ '0.weight': [h, 4], '0.bias': [h], '2.weight': [h, h], '2.bias': [h], '4.weight': [2, h], '4.bias': [2] });

describe('DQN update = the PyTorch twin step for step', () => {
  for (const c of fx.cases) {
    it(`seed ${c.seed}: maxGradNorm ${c.maxGradNorm}, rewards up to ${Math.max(...c.rewards)}: losses, pre-clip norms, weights after ${c.batches.length} updates`, () => {
      const n = c.actions.length;
      const agent = new rl.DQN(cartpole, { hidden: c.hidden, lr: c.lr, gamma: c.gamma, maxGradNorm: c.maxGradNorm, batchSize: c.batch, bufferSize: n, seed: 0 });
      const sh = shapes(c.hidden);
      agent.q.loadStateDict(Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, tensor(Float32Array.from(v), { shape: sh[k] })])));
      agent.syncTarget();
      for (let i = 0; i < n; i++)
        agent.buffer.add(Float32Array.from(c.obs.slice(4 * i, 4 * i + 4)), c.actions[i], c.rewards[i], Float32Array.from(c.next.slice(4 * i, 4 * i + 4)), c.dones[i] === 1);
      c.batches.forEach((idx, k) => {
        const r = agent.updateOn(agent.buffer.batch(idx));
        expect(r.loss).toBeCloseTo(c.losses[k], 4);
        expect(r.gradNorm).toBeCloseTo(c.gradNorms[k], 4);
        if (c.syncAfter.includes(k)) agent.syncTarget();
      });
      expect(agent.updates).toBe(c.batches.length);
      const sd = agent.q.stateDict();
      for (const [k, want] of Object.entries(c.final)) {
        const got = sd.get(k)!.data() as Float32Array;
        const err = Math.max(...want.map((w, i) => Math.abs(w - got[i])));
        expect(err, k).toBeLessThan(2e-5);
        // the weights moved (a step that did nothing would fail here, not pass)
        expect(Math.max(...want.map((w, i) => Math.abs(w - c.init[k][i]))), k).toBeGreaterThan(1e-3);
      }
    });
  }
});

describe('DQN loop schedule = the twin', () => {
  it('updates, target syncs and ε by env step; a truncated step bootstraps, a terminated one does not', () => {
    const threads = backendInfo().numThreads;
    setNumThreads(1);
    try {
      // CartPole with a 20-step time limit and ε near 1 throughout: truncations come often
      const ends: { terminated: boolean; truncated: boolean }[] = [];
      let env: rl.CartPole | undefined;
      const make = () => {
        const e = rl.make('CartPole-v1'); e.maxEpisodeSteps = 20;
        if (!env) {
          env = e;  // the probe (constructor) env; learn() makes its own next
        } else {
          const step = e.step.bind(e);
          e.step = (a: number) => { const r = step(a); ends.push({ terminated: r.terminated, truncated: r.truncated }); return r; };
        }
        return e;
      };
      const o = { hidden: 8, learningStarts: 1000, trainFreq: 256, gradientSteps: 2, targetUpdateInterval: 10, explorationFraction: 1, seed: 3 };
      const agent = new rl.DQN(make, o);
      let syncs = 0;
      const sync = agent.syncTarget.bind(agent);
      agent.syncTarget = () => { syncs++; sync(); };
      const T = 1300;
      agent.learn({ totalSteps: T });
      // rl_cartpole.py: train when t > learning_starts and t % train_freq == 0 (t = 1024, 1280), sync when t % 10 == 0
      expect(agent.updates).toBe(2 * 2);
      expect(syncs).toBe(T / 10);
      // the twin's ε at env step t (1-based) uses t - 1: 1 at the first step, the floor from 0.16 of the budget on
      const recipe = new rl.DQN(cartpole, { ...rl.DQN_CARTPOLE, hidden: 8 });
      expect(recipe.epsilon(0, 50_000)).toBe(1);
      expect(recipe.epsilon(3999, 50_000)).toBeCloseTo(1 - (0.96 * 3999) / 8000, 12);
      expect(recipe.epsilon(8000, 50_000)).toBeCloseTo(0.04, 12);
      expect(recipe.epsilon(20_000, 50_000)).toBe(0.04);
      // stored done flags = terminated only (gymnasium's truncation bootstraps, as the twin's D = te)
      expect(ends.length).toBe(T);
      const dones = Array.from(agent.buffer.dones.subarray(0, T));
      expect(dones).toEqual(ends.map((e) => (e.terminated ? 1 : 0)));
      expect(ends.filter((e) => e.truncated && !e.terminated).length).toBeGreaterThan(5);
      expect(ends.filter((e) => e.terminated).length).toBeGreaterThan(5);
    } finally { setNumThreads(threads); }
  }, 60_000);

  it('ReplayBuffer.batch names an index outside the filled part', () => {
    const b = new rl.ReplayBuffer(4, 2);
    b.add(Float32Array.of(1, 2), 1, 1, Float32Array.of(3, 4), false);
    expect(() => b.batch([0, 1])).toThrow('ReplayBuffer.batch: index 1 is outside [0, 1)');
    expect(() => b.batch([-1])).toThrow('ReplayBuffer.batch: index -1 is outside [0, 1)');
    expect(() => b.batch([0.5])).toThrow('ReplayBuffer.batch: index 0.5 is outside [0, 1)');
    const x = b.batch([0, 0]);
    expect(Array.from(x.obs.data() as Float32Array)).toEqual([1, 2, 1, 2]);
    expect(x.actions.shape).toEqual([2, 1]);
  });
});
