// Tabular Q-learning (Watkins 1989) for discrete-state environments such as FrozenLake: a plain
// Float64Array table (no tensors: one scalar update per step is what the method is).
import { Generator } from '../../data/random';
import { showValue } from '../../args';
import type { Env } from '../env';
import type { CurveWriter } from './common';

export interface QLearningOptions {
  alpha?: number; gamma?: number;
  /** ε decays linearly from epsilonStart to epsilonEnd over the first epsilonDecayFraction of the episodes. */
  epsilonStart?: number; epsilonEnd?: number; epsilonDecayFraction?: number; seed?: number;
}

/**
 * Q(s, a) += α (r + γ (1 - terminated) max_a' Q(s', a') - Q(s, a)), ε-greedy with ties broken at random.
 * ```ts
 * const env = rl.make('FrozenLake-v1');
 * const agent = new rl.QLearning(16, 4, { alpha: 0.1, gamma: 0.99 });
 * agent.learn(env, 20000);
 * agent.evaluate(env, 1000); // greedy success rate
 * ```
 */
export class QLearning {
  readonly q: Float64Array;
  readonly o: Required<QLearningOptions>;
  private g: Generator;
  constructor(readonly nStates: number, readonly nActions: number, o: QLearningOptions = {}) {
    if (!Number.isSafeInteger(nStates) || nStates <= 0) throw new Error(`QLearning: nStates must be a positive integer, got ${showValue(nStates)}`);
    if (!Number.isSafeInteger(nActions) || nActions <= 0) throw new Error(`QLearning: nActions must be a positive integer, got ${showValue(nActions)}`);
    this.o = { alpha: 0.1, gamma: 0.99, epsilonStart: 1, epsilonEnd: 0.01, epsilonDecayFraction: 0.8, seed: 0, ...o };
    if (!(this.o.alpha > 0 && this.o.alpha <= 1)) throw new Error(`QLearning: alpha must be in (0, 1], got ${showValue(this.o.alpha)}`);
    if (!(this.o.gamma >= 0 && this.o.gamma <= 1)) throw new Error(`QLearning: gamma must be in [0, 1], got ${showValue(this.o.gamma)}`);
    this.q = new Float64Array(nStates * nActions);
    this.g = new Generator(this.o.seed);
  }
  /** argmax_a Q(s, a), ties broken uniformly at random (else an untrained table always picks action 0). */
  greedy(s: number): number {
    const A = this.nActions, row = s * A;
    let best = -Infinity, n = 0, pick = 0;
    for (let a = 0; a < A; a++) {
      const v = this.q[row + a];
      if (v > best) { best = v; n = 1; pick = a; } else if (v === best && this.g.next() * ++n < 1) pick = a;
    }
    return pick;
  }
  epsilon(episode: number, episodes: number): number {
    const { epsilonStart: a, epsilonEnd: b, epsilonDecayFraction: f } = this.o;
    return Math.max(b, a - ((a - b) * episode) / Math.max(1, f * episodes));
  }
  /** Trains for `episodes` episodes; returns each episode's return. */
  learn(env: Env<number>, episodes: number, curve?: CurveWriter): number[] {
    if (!Number.isSafeInteger(episodes) || episodes <= 0) throw new Error(`QLearning.learn: episodes must be a positive integer, got ${showValue(episodes)}`);
    const { alpha, gamma } = this.o, A = this.nActions, returns: number[] = [];
    let s = env.reset({ seed: this.o.seed }).observation;
    for (let ep = 0; ep < episodes; ep++) {
      if (ep > 0) s = env.reset().observation;
      const eps = this.epsilon(ep, episodes);
      let ret = 0;
      for (;;) {
        const a = this.g.next() < eps ? Math.floor(this.g.next() * A) : this.greedy(s);
        const r = env.step(a);
        let next = 0;
        if (!r.terminated) { next = -Infinity; for (let b = 0; b < A; b++) next = Math.max(next, this.q[r.observation * A + b]); }
        this.q[s * A + a] += alpha * (r.reward + gamma * next - this.q[s * A + a]);
        ret += r.reward; s = r.observation;
        if (r.terminated || r.truncated) break;
      }
      returns.push(ret);
      if (curve && (ep + 1) % 100 === 0) curve.add(ep + 1, 'mean100', returns.slice(-100).reduce((x, y) => x + y, 0) / 100);
    }
    return returns;
  }
  /** Mean return of the greedy policy over `episodes` episodes (FrozenLake: the success rate). */
  evaluate(env: Env<number>, episodes = 1000, seed = 12345): number {
    let total = 0;
    for (let ep = 0; ep < episodes; ep++) {
      let s = ep === 0 ? env.reset({ seed }).observation : env.reset().observation;
      for (;;) {
        const r = env.step(this.greedy(s));
        total += r.reward; s = r.observation;
        if (r.terminated || r.truncated) break;
      }
    }
    return total / episodes;
  }
}
