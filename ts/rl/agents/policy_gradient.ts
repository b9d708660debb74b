// REINFORCE with a learned value baseline (Williams 1992; Sutton & Barto 13.4) on whole episodes,
// and A2C (Mnih et al. 2016, synchronous): n-step rollouts of n envs, one update each, GAE(λ = 1).
import { tensor, manualSeed } from '../../creation';
import { noGrad } from '../../autograd/engine';
import { tidy } from '../../memory';
import * as nn from '../../nn/index';
import * as optim from '../../optim/index';
import { Generator } from '../../data/random';
import { showValue } from '../../args';
import type { Env } from '../env';
import { SyncVectorEnv } from '../vector';
import { ActorCritic, gae, obsTensor, sampleCategorical, type CurveWriter, envDims } from './common';
import { categoricalLogProb } from './ppo';

export interface PolicyGradientOptions { lr?: number; gamma?: number; hidden?: number; vfCoef?: number; entCoef?: number; maxGradNorm?: number; seed?: number }

abstract class PolicyGradientBase {
  readonly net: ActorCritic;
  readonly optimizer: optim.Adam;
  readonly obsDim: number; readonly nActions: number;
  protected g: Generator;
  updates = 0;
  constructor(readonly makeEnv: () => Env<Float32Array>, readonly o: Required<PolicyGradientOptions>, who: string) {
    for (const k of ['lr', 'hidden'] as const) if (!(o[k] > 0)) throw new Error(`${who}: ${k} must be positive, got ${showValue(o[k])}`);
    if (!(o.gamma >= 0 && o.gamma <= 1)) throw new Error(`${who}: gamma must be in [0, 1], got ${showValue(o.gamma)}`);
    const probe = makeEnv();
    ({ obsDim: this.obsDim, nActions: this.nActions } = envDims(probe, who));
    manualSeed(o.seed);
    this.g = new Generator(o.seed);
    this.net = new ActorCritic(this.obsDim, this.nActions, o.hidden);
    this.optimizer = new optim.Adam(this.net.parameters(), { lr: o.lr });
  }
  protected logitsAndValues(obs: Float32Array): { logits: Float32Array; v: Float32Array } {
    return noGrad(() => tidy(() => { const x = obsTensor(obs, this.obsDim); return { logits: this.net.forward(x).data() as Float32Array, v: this.net.value(x).data() as Float32Array }; }));
  }
  /** -mean(A log π(a|s)) + vfCoef mse(V(s), G) - entCoef H, one clipped Adam step. */
  protected update(obs: Float32Array, act: BigInt64Array, adv: Float32Array, ret: Float32Array): void {
    tidy(() => {
      const x = obsTensor(obs, this.obsDim);
      const { logProb, entropy } = categoricalLogProb(this.net.forward(x), tensor(act));
      const pg = logProb.mul(tensor(adv)).mean().neg();
      const vl = nn.functional.mseLoss(this.net.value(x), tensor(ret));
      const loss = pg.add(vl.mul(this.o.vfCoef)).sub(entropy.mean().mul(this.o.entCoef));
      this.optimizer.zeroGrad();
      loss.backward();
      nn.utils.clipGradNorm_(this.net.parameters(), this.o.maxGradNorm);
      this.optimizer.step();
      this.updates++;
    });
  }
}

/**
 * REINFORCE with baseline: after each episode, G_t = Σ γ^k r_{t+k}; the policy ascends (G_t - V(s_t)) ∇log π(a_t|s_t)
 * and V regresses on G_t.
 * ```ts
 * const agent = new rl.Reinforce(() => rl.make('CartPole-v1'), { lr: 1e-3 });
 * const returns = agent.learn(300); // episode returns
 * ```
 */
export class Reinforce extends PolicyGradientBase {
  constructor(makeEnv: () => Env<Float32Array>, o: PolicyGradientOptions = {}) {
    super(makeEnv, { lr: 1e-3, gamma: 0.99, hidden: 64, vfCoef: 0.5, entCoef: 0, maxGradNorm: 0.5, seed: 0, ...o }, 'Reinforce');
  }
  learn(episodes: number, curve?: CurveWriter): number[] {
    if (!Number.isSafeInteger(episodes) || episodes <= 0) throw new Error(`Reinforce.learn: episodes must be a positive integer, got ${showValue(episodes)}`);
    const env = this.makeEnv(), out: number[] = [];
    env.reset({ seed: this.o.seed });
    for (let ep = 0; ep < episodes; ep++) {
      let o = env.reset().observation;
      const obs: number[] = [], acts: bigint[] = [], rews: number[] = [], vals: number[] = [];
      for (;;) {
        const { logits, v } = this.logitsAndValues(o);
        const a = sampleCategorical(logits, this.nActions, this.g).actions[0];
        const r = env.step(a);
        obs.push(...o); acts.push(BigInt(a)); rews.push(r.reward); vals.push(v[0]);
        o = r.observation;
        if (r.terminated || r.truncated) {
          // a truncated episode is bootstrapped from V of its last observation
          let g = r.truncated && !r.terminated ? this.logitsAndValues(o).v[0] : 0;
          const ret = new Float32Array(rews.length), adv = new Float32Array(rews.length);
          for (let t = rews.length - 1; t >= 0; t--) { g = rews[t] + this.o.gamma * g; ret[t] = g; adv[t] = g - vals[t]; }
          this.update(Float32Array.from(obs), BigInt64Array.from(acts), adv, ret);
          break;
        }
      }
      const total = rews.reduce((a, b) => a + b, 0);
      out.push(total); curve?.add(ep + 1, 'episode', total);
    }
    return out;
  }
}

/**
 * A2C: each update uses nSteps steps of nEnvs environments, advantages by GAE(λ) (λ = 1: n-step returns).
 * ```ts
 * const agent = new rl.A2C(() => rl.make('CartPole-v1'), { nEnvs: 8, nSteps: 5 });
 * agent.learn(20_000);
 * ```
 */
export class A2C extends PolicyGradientBase {
  readonly nEnvs: number; readonly nSteps: number; readonly gaeLambda: number;
  constructor(makeEnv: () => Env<Float32Array>, o: PolicyGradientOptions & { nEnvs?: number; nSteps?: number; gaeLambda?: number } = {}) {
    super(makeEnv, { lr: 7e-4, gamma: 0.99, hidden: 64, vfCoef: 0.5, entCoef: 0, maxGradNorm: 0.5, seed: 0, ...o }, 'A2C');
    this.nEnvs = o.nEnvs ?? 8; this.nSteps = o.nSteps ?? 5; this.gaeLambda = o.gaeLambda ?? 1;
    if (!Number.isSafeInteger(this.nEnvs) || this.nEnvs <= 0 || !Number.isSafeInteger(this.nSteps) || this.nSteps <= 0)
      throw new Error(`A2C: nEnvs and nSteps must be positive integers, got ${showValue(this.nEnvs)} and ${showValue(this.nSteps)}`);
  }
  /** Trains for totalSteps env steps (all envs counted); returns the finished episodes' returns. */
  learn(totalSteps: number, curve?: CurveWriter): number[] {
    if (!Number.isSafeInteger(totalSteps) || totalSteps <= 0) throw new Error(`A2C.learn: totalSteps must be a positive integer, got ${showValue(totalSteps)}`);
    const E = this.nEnvs, T = this.nSteps, d = this.obsDim, N = E * T, out: number[] = [];
    const venv = new SyncVectorEnv(this.makeEnv, E);
    let obs = venv.reset(this.o.seed * 100), t = 0;
    while (t + N <= totalSteps) {
      const bObs = new Float32Array(N * d), bAct = new BigInt64Array(N), bRew = new Float32Array(N), bDone = new Float32Array(N), bVal = new Float32Array(N);
      for (let k = 0; k < T; k++) {
        const { logits, v } = this.logitsAndValues(obs);
        const { actions } = sampleCategorical(logits, this.nActions, this.g);
        bObs.set(obs, k * E * d); bVal.set(v, k * E);
        const r = venv.step(actions);
        for (let i = 0; i < E; i++) {
          bAct[k * E + i] = BigInt(actions[i]);
          let rew = r.rewards[i];
          if (r.truncated[i] && !r.terminated[i]) rew += this.o.gamma * this.logitsAndValues(r.finalObservations.get(i)!).v[0];
          bRew[k * E + i] = rew; bDone[k * E + i] = r.terminated[i] || r.truncated[i] ? 1 : 0;
        }
        for (const [i, ep] of r.episodes) { out.push(ep.return); curve?.add(t + k * E + i + 1, 'episode', ep.return); }
        obs = r.observations;
      }
      t += N;
      const { advantages, returns } = gae(bRew, bVal, bDone, this.logitsAndValues(obs).v, this.o.gamma, this.gaeLambda);
      this.update(bObs, bAct, advantages, returns);
    }
    return out;
  }
}
