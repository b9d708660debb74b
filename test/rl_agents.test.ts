// rl agents at reduced size: GAE against numpy (fixtures), Q-learning solving FrozenLake 4x4 at
// full size, short DQN / PPO / A2C / REINFORCE runs on CartPole whose returns must rise well above
// a random policy's (~22), flat tensor counts across training, and the named errors.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'fs';
import { join } from 'path';
import { rl, memory, setNumThreads, tensor, backendInfo } from '../ts/index';
import { main } from '../ts/cli';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rl.json'), 'utf8')) as {
  gae: { rewards: number[]; values: number[]; dones: number[]; lastValue: number; gamma: number; lambda: number; advantages: number[]; returns: number[] }[];
};
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const cartpole = () => rl.make('CartPole-v1');
// these train for 10-40 s each on a loaded 2-core machine; MYELIN_SKIP_LONG_TRAINING=1 skips them
const long = process.env.MYELIN_SKIP_LONG_TRAINING === '1' ? describe.skip : describe;
// the agents train synchronously: a turn of the event loop between pieces keeps vitest's worker RPC alive
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('gae', () => {
  it('matches the numpy reference (episode ends inside the rollout)', () => {
    for (const c of fx.gae) {
      const { advantages, returns } = rl.gae(c.rewards, c.values, c.dones, [c.lastValue], c.gamma, c.lambda);
      c.advantages.forEach((a, i) => expect(advantages[i]).toBeCloseTo(a, 5));
      c.returns.forEach((r, i) => expect(returns[i]).toBeCloseTo(r, 5));
    }
  });
  it('E interleaved envs give each env its own single-env result', () => {
    const [a, b] = fx.gae;
    const T = a.rewards.length, inter = (x: number[], y: number[]) => x.flatMap((v, t) => [v, y[t]]);
    const r = rl.gae(inter(a.rewards, b.rewards), inter(a.values, b.values), inter(a.dones, b.dones), [a.lastValue, b.lastValue], 0.99, 0.95);
    for (let t = 0; t < T; t++) { expect(r.advantages[2 * t]).toBeCloseTo(a.advantages[t], 5); expect(r.advantages[2 * t + 1]).toBeCloseTo(b.advantages[t], 5); }
  });
  it('categoricalLogProb and sampleCategorical agree with softmax', () => {
    const logits = tensor([[1, 2, 0.5], [0, 0, 0]]);
    const { logProb, entropy } = rl.categoricalLogProb(logits, tensor([1n, 2n]));
    const z = Math.exp(1) + Math.exp(2) + Math.exp(0.5);
    expect(logProb.toArray()[0]).toBeCloseTo(2 - Math.log(z), 5);
    expect(entropy.toArray()[1]).toBeCloseTo(Math.log(3), 5);
    const g = new (class { i = 0; next() { return [0.1, 0.99, 0.5][this.i++ % 3]; } })();
    const flat = new Float32Array([0, 0, 0, 0]);
    const s = rl.sampleCategorical(flat, 2, g as never);
    expect(Array.from(s.actions)).toEqual([0, 1]);
    expect(s.logProbs[0]).toBeCloseTo(Math.log(0.5), 6);
  });
});

long('agents learn', () => {
  it('Q-learning solves FrozenLake 4x4 (slippery): greedy success >= 0.7 over 2000 episodes', () => {
    const r = rl.recipes.trainQlearningFrozenlake({ runDir: null });
    expect(r.successRate!).toBeGreaterThanOrEqual(0.7);
    // the curve's last training window beats the random policy's ~1.5% success
    const means = r.curve.rows.filter((x) => x.kind === 'mean100').map((x) => x.value);
    expect(means.length).toBe(200);
    expect(mean(means.slice(-20))).toBeGreaterThan(0.3);
  }, 120_000);
  const threads = backendInfo().numThreads;
  it('DQN: a short run lifts the greedy return from ~22 (random) to > 80; tensors stay flat', async () => {
    setNumThreads(1);
    try {
      const agent = new rl.DQN(cartpole, { hidden: 64, trainFreq: 4, gradientSteps: 1, learningStarts: 500, explorationFraction: 0.3, lr: 1e-3, targetUpdateInterval: 250, seed: 0 });
      const r1 = agent.learn({ totalSteps: 4000 });
      await tick();
      const n = memory().numTensors;
      const r2 = agent.learn({ totalSteps: 4000 });
      await tick();
      // <=: the GC may finalize an earlier test's tensors during the tick; a leak would add thousands
      expect(memory().numTensors).toBeLessThanOrEqual(n);
      expect(mean(r1.episodeReturns.slice(0, 20))).toBeLessThan(40);
      const greedy = rl.evaluateGreedy(cartpole, agent.q, 20).mean;
      expect(greedy).toBeGreaterThan(80);
      expect(mean(r2.episodeReturns.slice(-10))).toBeGreaterThan(mean(r1.episodeReturns.slice(0, 20)) * 2);
    } finally { setNumThreads(threads); }
  }, 180_000);
  it('PPO: 2 x 4096 steps lift the greedy return above 100; tensors stay flat', async () => {
    setNumThreads(1);
    try {
      const agent = new rl.PPO(cartpole, rl.PPO_CARTPOLE);
      const r1 = agent.learn({ totalSteps: 4096 });
      await tick();
      const n = memory().numTensors;
      const r = agent.learn({ totalSteps: 4096, evalEvery: 4096, evalEpisodes: 20 });
      expect(memory().numTensors).toBe(n);
      expect(mean(r1.episodeReturns.slice(0, 20))).toBeLessThan(40);
      expect(r.evals.length).toBe(1);
      expect(r.evals[0].mean).toBeGreaterThan(100);
      expect(agent.updates).toBe(32 * 20);
    } finally { setNumThreads(threads); }
  }, 180_000);
  it('A2C: the last episodes return more than twice the first', () => {
    setNumThreads(1);
    try {
      const a2c = new rl.A2C(cartpole, { lr: 1e-3 }).learn(15000);
      expect(mean(a2c.slice(-20))).toBeGreaterThan(2 * mean(a2c.slice(0, 20)));
    } finally { setNumThreads(threads); }
  }, 180_000);
  it('REINFORCE with baseline: the last episodes return more than twice the first', () => {
    setNumThreads(1);
    try {
      const rf = new rl.Reinforce(cartpole, { lr: 2e-3 }).learn(150);
      expect(mean(rf.slice(-20))).toBeGreaterThan(2 * mean(rf.slice(0, 20)));
    } finally { setNumThreads(threads); }
  }, 180_000);
});

describe('rl agents: bad input', () => {
  it('named errors', () => {
    const lake = () => rl.make('FrozenLake-v1') as never;
    expect(() => new rl.DQN(lake)).toThrow(/DQN: FrozenLake-v1 needs a Box observation space and a Discrete action space, got Discrete\(16\)/);
    expect(() => new rl.PPO(lake)).toThrow(/PPO: FrozenLake-v1 needs a Box observation space/);
    expect(() => new rl.A2C(lake)).toThrow(/A2C: FrozenLake-v1 needs a Box observation space/);
    expect(() => new rl.DQN(cartpole, { lr: -1 })).toThrow('DQN: lr must be positive, got -1');
    expect(() => new rl.PPO(cartpole, { clipRange: 0 })).toThrow('PPO: clipRange must be positive, got 0');
    expect(() => new rl.Reinforce(cartpole, { gamma: 2 })).toThrow('Reinforce: gamma must be in [0, 1], got 2');
    expect(() => new rl.DQN(cartpole, { hidden: 8 }).learn({ totalSteps: 0 })).toThrow('DQN.learn: totalSteps must be a positive integer, got 0');
    expect(() => new rl.QLearning(16, 4, { alpha: 0 })).toThrow('QLearning: alpha must be in (0, 1], got 0');
    expect(() => new rl.QLearning(0, 4)).toThrow('QLearning: nStates must be a positive integer, got 0');
    expect(() => rl.gae([1, 2, 3], [1, 2], [0, 0, 0], [0], 0.9, 0.9)).toThrow(/gae: rewards, values and dones must all have T \* E entries/);
    expect(() => rl.gae([1], [1], [0], [0], 1.5, 0.9)).toThrow('gae: gamma and lambda must be in [0, 1], got 1.5 and 0.9');
    expect(() => new rl.ReplayBuffer(4, 2).sample(2, { next: () => 0 } as never)).toThrow('ReplayBuffer.sample: the buffer is empty');
    expect(() => new rl.SyncVectorEnv(cartpole, 2).step([0])).toThrow('SyncVectorEnv.step: expected 2 actions, got 1');
  });
  it('the CLI lists the recipes and runs qlearning-frozenlake at a reduced episode count', async () => {
    const lines: string[] = [];
    expect(await main(['node', 'myelin', 'train', 'nope'], (s) => lines.push(s))).toBe(2);
    expect(lines[0]).toMatch(/dqn-cartpole, ppo-cartpole, qlearning-frozenlake/);
    const dir = join(require('os').tmpdir(), `myelin-rl-${process.pid}`);
    lines.length = 0;
    expect(await main(['node', 'myelin', 'train', 'qlearning-frozenlake', '--steps', '500', '--run-dir', dir], (s) => lines.push(s))).toBe(0);
    expect(lines[0]).toMatch(/qlearning-frozenlake: greedy success rate 0\.\d+ over 2000 episodes after 500 training episodes .*curve in/);
    const csv = readFileSync(join(dir, 'curve.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,kind,value');
    expect(csv.length).toBe(1 + 5 + 1);
  });
});
