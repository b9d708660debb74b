// n copies of an environment stepped together, resetting each one the step it ends (the final
// observation is kept for bootstrapping a truncated episode), as Stable-Baselines3's DummyVecEnv.
import type { Env } from './env';
import { showValue } from '../args';

export interface VectorStep {
  /** [n * obsDim]: the next observations (after an automatic reset where an episode ended). */
  observations: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** The last observation of each episode that ended this step (by env index). */
  finalObservations: Map<number, Float32Array>;
  /** The return and length of each episode that ended this step (by env index). */
  episodes: Map<number, { return: number; length: number }>;
}

/**
 * Steps `envs` (vector-observation environments such as CartPole) in lockstep.
 * ```ts
 * const v = new rl.SyncVectorEnv(() => rl.make('CartPole-v1'), 8);
 * let obs = v.reset(0); const r = v.step(new Int32Array(8));
 * ```
 */
export class SyncVectorEnv {
  readonly envs: Env<Float32Array>[];
  readonly obsDim: number;
  private obs: Float32Array;
  private ret: Float64Array; private len: Int32Array;
  constructor(makeEnv: () => Env<Float32Array>, readonly n: number) {
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`SyncVectorEnv: n must be a positive integer, got ${showValue(n)}`);
    this.envs = Array.from({ length: n }, makeEnv);
    const space = this.envs[0].observationSpace as { shape?: number[] };
    if (!space.shape || space.shape.length !== 1) throw new Error(`SyncVectorEnv: ${this.envs[0].id} does not have vector observations`);
    this.obsDim = space.shape[0];
    this.obs = new Float32Array(n * this.obsDim);
    this.ret = new Float64Array(n); this.len = new Int32Array(n);
  }
  /** Resets every env, env i with seed + i. */
  reset(seed?: number): Float32Array {
    this.envs.forEach((e, i) => this.obs.set(e.reset(seed === undefined ? {} : { seed: seed + i }).observation, i * this.obsDim));
    this.ret.fill(0); this.len.fill(0);
    return this.obs.slice();
  }
  step(actions: ArrayLike<number>): VectorStep {
    if (actions.length !== this.n) throw new Error(`SyncVectorEnv.step: expected ${this.n} actions, got ${actions.length}`);
    const out: VectorStep = { observations: this.obs, rewards: new Float64Array(this.n), terminated: new Uint8Array(this.n), truncated: new Uint8Array(this.n),
      finalObservations: new Map(), episodes: new Map() };
    for (let i = 0; i < this.n; i++) {
      const e = this.envs[i];
      const r = e.step(actions[i]);
      out.rewards[i] = r.reward; this.ret[i] += r.reward; this.len[i]++;
      let o = r.observation;
      if (r.terminated || r.truncated) {
        out.terminated[i] = r.terminated ? 1 : 0; out.truncated[i] = r.truncated ? 1 : 0;
        out.finalObservations.set(i, o);
        out.episodes.set(i, { return: this.ret[i], length: this.len[i] });
        this.ret[i] = 0; this.len[i] = 0;
        o = e.reset().observation;
      }
      this.obs.set(o, i * this.obsDim);
    }
    out.observations = this.obs.slice();
    return out;
  }
}
