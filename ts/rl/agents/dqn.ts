// DQN (Mnih et al. 2015) as Stable-Baselines3 runs it: a replay buffer, a target network synced
// every few env steps, a linearly decaying ε-greedy schedule, the Huber loss and gradient clipping.
import type { Tensor } from '../../tensor';
import { tensor, manualSeed } from '../../creation';
import { noGrad } from '../../autograd/engine';
import { tidy } from '../../memory';
import * as nn from '../../nn/index';
import * as optim from '../../optim/index';
import { Generator } from '../../data/random';
import { showValue } from '../../args';
import type { Env } from '../env';
import { mlp, obsTensor, greedyActions, evaluateGreedy, CurveWriter, envDims } from './common';

/** A ring buffer of transitions (obs, action, reward, next obs, terminated) in flat typed arrays. */
export class ReplayBuffer {
  readonly obs: Float32Array; readonly next: Float32Array;
  readonly actions: Int32Array; readonly rewards: Float32Array; readonly dones: Float32Array;
  size = 0; private pos = 0;
  constructor(readonly capacity: number, readonly obsDim: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) throw new Error(`ReplayBuffer: capacity must be a positive integer, got ${showValue(capacity)}`);
    this.obs = new Float32Array(capacity * obsDim); this.next = new Float32Array(capacity * obsDim);
    this.actions = new Int32Array(capacity); this.rewards = new Float32Array(capacity); this.dones = new Float32Array(capacity);
  }
  /** done: 1 only where the episode terminated (a time-limit truncation still bootstraps). */
  add(obs: Float32Array, action: number, reward: number, next: Float32Array, done: boolean): void {
    const i = this.pos, d = this.obsDim;
    this.obs.set(obs, i * d); this.next.set(next, i * d);
    this.actions[i] = action; this.rewards[i] = reward; this.dones[i] = done ? 1 : 0;
    this.pos = (this.pos + 1) % this.capacity; this.size = Math.min(this.size + 1, this.capacity);
  }
  /** A uniform batch (with replacement) as tensors: obs [B, d], actions [B, 1] int64, rewards, next obs, dones. */
  sample(batch: number, g: Generator): ReplayBatch {
    if (this.size === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    const idx = new Int32Array(batch);
    for (let b = 0; b < batch; b++) idx[b] = Math.floor(g.next() * this.size);
    return this.batch(idx);
  }
  /** The transitions at `indices` (each in [0, size)) as a batch of tensors. */
  batch(indices: ArrayLike<number>): ReplayBatch {
    const B = indices.length, d = this.obsDim, o = new Float32Array(B * d), n = new Float32Array(B * d);
    const a = new BigInt64Array(B), r = new Float32Array(B), dn = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      if (!(Number.isInteger(i) && i >= 0 && i < this.size)) throw new Error(`ReplayBuffer.batch: index ${showValue(i)} is outside [0, ${this.size})`);
      o.set(this.obs.subarray(i * d, (i + 1) * d), b * d); n.set(this.next.subarray(i * d, (i + 1) * d), b * d);
      a[b] = BigInt(this.actions[i]); r[b] = this.rewards[i]; dn[b] = this.dones[i];
    }
    return { obs: obsTensor(o, d), actions: tensor(a, { shape: [B, 1] }), rewards: tensor(r), next: obsTensor(n, d), dones: tensor(dn) };
  }
}
export interface ReplayBatch { obs: Tensor; actions: Tensor; rewards: Tensor; next: Tensor; dones: Tensor }

export interface DQNOptions {
  lr?: number; batchSize?: number; bufferSize?: number; learningStarts?: number; gamma?: number;
  /** Copy the online network into the target network every this many env steps. */
  targetUpdateInterval?: number;
  /** Train every trainFreq env steps, gradientSteps updates each time. */
  trainFreq?: number; gradientSteps?: number;
  /** ε decays linearly from 1 to explorationFinalEps over explorationFraction of the total steps. */
  explorationFraction?: number; explorationFinalEps?: number;
  hidden?: number; maxGradNorm?: number; seed?: number;
}
/** rl-zoo's tuned CartPole-v1 settings (bench/baselines/rl_cartpole.py uses the same). */
export const DQN_CARTPOLE: Required<DQNOptions> = {
  lr: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10,
  trainFreq: 256, gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, hidden: 256, maxGradNorm: 10, seed: 0,
};

export interface LearnOptions {
  totalSteps: number;
  /** Greedy evaluation over `evalEpisodes` episodes every evalEvery env steps; stops once the mean reaches `target`. */
  evalEvery?: number; evalEpisodes?: number; target?: number;
  curve?: CurveWriter; log?: (line: string) => void;
}
export interface LearnResult { steps: number; updates: number; solvedAt: number | null; episodeReturns: number[]; evals: { step: number; mean: number }[]; seconds: number }

/**
 * A DQN agent for a vector-observation, discrete-action environment.
 * ```ts
 * const agent = new rl.DQN(() => rl.make('CartPole-v1'), rl.DQN_CARTPOLE);
 * const r = agent.learn({ totalSteps: 50_000, evalEvery: 2000, target: 475 });
 * ```
 */
export class DQN {
  readonly q: nn.Sequential; readonly qTarget: nn.Sequential;
  readonly optimizer: optim.Adam;
  readonly buffer: ReplayBuffer;
  readonly o: Required<DQNOptions>;
  readonly obsDim: number; readonly nActions: number;
  private g: Generator;
  updates = 0;
  constructor(readonly makeEnv: () => Env<Float32Array>, o: DQNOptions = {}) {
    this.o = { ...DQN_CARTPOLE, ...o };
    const probe = makeEnv();
    ({ obsDim: this.obsDim, nActions: this.nActions } = envDims(probe, 'DQN'));
    for (const k of ['lr', 'batchSize', 'bufferSize', 'trainFreq', 'gradientSteps', 'targetUpdateInterval', 'hidden'] as const)
      if (!(this.o[k] > 0)) throw new Error(`DQN: ${k} must be positive, got ${showValue(this.o[k])}`);
    manualSeed(this.o.seed);
    this.g = new Generator(this.o.seed);
    const sizes = [this.obsDim, this.o.hidden, this.o.hidden, this.nActions];
    this.q = mlp(sizes); this.qTarget = mlp(sizes);
    this.syncTarget();
    this.optimizer = new optim.Adam(this.q.parameters(), { lr: this.o.lr });
    this.buffer = new ReplayBuffer(this.o.bufferSize, this.obsDim);
  }
  syncTarget(): void {
    const src = this.q.parameters(), dst = this.qTarget.parameters();
    noGrad(() => dst.forEach((p, i) => p.copy_(src[i])));
  }
  epsilon(step: number, total: number): number {
    const { explorationFraction: f, explorationFinalEps: e } = this.o;
    return Math.max(e, 1 - ((1 - e) * step) / (f * total));
  }
  act(obs: Float32Array, eps: number): number {
    if (this.g.next() < eps) return Math.floor(this.g.next() * this.nActions);
    return greedyActions(this.q, obs, this.obsDim)[0];
  }
  /** One gradient step on a sampled replay batch. Returns the loss. */
  update(): number {
    return tidy(() => this.updateOn(this.buffer.sample(this.o.batchSize, this.g)).loss);
  }
  /**
   * One gradient step on `b`: Huber(Q(s, a), r + γ (1 - done) max_a' Q_target(s', a')), the gradients
   * clipped to maxGradNorm over all parameters, an Adam step. Returns the loss and the pre-clip norm.
   */
  updateOn(b: ReplayBatch): { loss: number; gradNorm: number } {
    return tidy(() => {
      const y = noGrad(() => (this.qTarget.forward(b.next) as Tensor).amax(1).mul(b.dones.neg().add(1)).mul(this.o.gamma).add(b.rewards));
      const q = (this.q.forward(b.obs) as Tensor).gather(1, b.actions).squeeze(1);
      const loss = nn.functional.smoothL1Loss(q, y);
      this.optimizer.zeroGrad();
      loss.backward();
      const gradNorm = nn.utils.clipGradNorm_(this.q.parameters(), this.o.maxGradNorm);
      this.optimizer.step();
      this.updates++;
      return { loss: loss.item() as number, gradNorm };
    });
  }
  learn(l: LearnOptions): LearnResult {
    const { totalSteps, evalEvery = 0, evalEpisodes = 100, target = Infinity, curve, log } = l;
    if (!Number.isSafeInteger(totalSteps) || totalSteps <= 0) throw new Error(`DQN.learn: totalSteps must be a positive integer, got ${showValue(totalSteps)}`);
    const env = this.makeEnv();
    const t0 = performance.now();
    let obs = env.reset({ seed: this.o.seed }).observation, epRet = 0, solvedAt: number | null = null, t = 0;
    const episodeReturns: number[] = [], evals: { step: number; mean: number }[] = [];
    for (t = 1; t <= totalSteps; t++) {
      const a = this.act(obs, this.epsilon(t - 1, totalSteps));
      const r = env.step(a);
      this.buffer.add(obs, a, r.reward, r.observation, r.terminated);
      obs = r.observation; epRet += r.reward;
      if (r.terminated || r.truncated) {
        episodeReturns.push(epRet); curve?.add(t, 'episode', epRet);
        obs = env.reset().observation; epRet = 0;
      }
      if (t % this.o.targetUpdateInterval === 0) this.syncTarget();
      if (t > this.o.learningStarts && t % this.o.trainFreq === 0) for (let k = 0; k < this.o.gradientSteps; k++) this.update();
      if (evalEvery && t % evalEvery === 0) {
        const m = evaluateGreedy(this.makeEnv, this.q, evalEpisodes).mean;
        evals.push({ step: t, mean: m }); curve?.add(t, 'eval', m);
        log?.(`step ${t}: greedy mean return ${m.toFixed(1)} over ${evalEpisodes} episodes, ${this.updates} updates`);
        if (m >= target) { solvedAt = t; break; }
      }
    }
    return { steps: Math.min(t, totalSteps), updates: this.updates, solvedAt, episodeReturns, evals, seconds: (performance.now() - t0) / 1000 };
  }
}
