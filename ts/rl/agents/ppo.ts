// PPO (Schulman et al. 2017) with the clipped surrogate objective and GAE, as Stable-Baselines3
// runs it: n envs x n steps per rollout, several epochs of minibatches, per-minibatch advantage
// normalization, linearly annealed lr and clip range, a bootstrap on time-limit truncation.
import type { Tensor } from '../../tensor';
import { tensor, manualSeed } from '../../creation';
import { noGrad } from '../../autograd/engine';
import { tidy } from '../../memory';
import * as nn from '../../nn/index';
import * as optim from '../../optim/index';
import { Generator } from '../../data/random';
import { showValue } from '../../args';
import type { Env } from '../env';
import { SyncVectorEnv } from '../vector';
import { ActorCritic, gae, obsTensor, sampleCategorical, evaluateGreedy, envDims } from './common';
import type { LearnOptions, LearnResult } from './dqn';

export interface PPOOptions {
  nEnvs?: number; nSteps?: number; batchSize?: number; epochs?: number; gamma?: number; gaeLambda?: number;
  lr?: number; clipRange?: number; entCoef?: number; vfCoef?: number; maxGradNorm?: number; hidden?: number;
  /** Anneal lr and clipRange linearly to 0 over the run (rl-zoo's CartPole setting). */
  anneal?: boolean; seed?: number;
}
/** rl-zoo's tuned CartPole-v1 settings (bench/baselines/rl_cartpole.py uses the same). */
export const PPO_CARTPOLE: Required<PPOOptions> = {
  nEnvs: 8, nSteps: 32, batchSize: 256, epochs: 20, gamma: 0.98, gaeLambda: 0.8, lr: 1e-3, clipRange: 0.2,
  entCoef: 0, vfCoef: 0.5, maxGradNorm: 0.5, hidden: 64, anneal: true, seed: 0,
};

/** log π(a|s) of int64 actions [B] under logits [B, k], and the entropy per row. */
export function categoricalLogProb(logits: Tensor, actions: Tensor): { logProb: Tensor; entropy: Tensor } {
  const lp = logits.logSoftmax(1);
  return { logProb: lp.gather(1, actions.unsqueeze(1)).squeeze(1), entropy: lp.exp().mul(lp).sum(1).neg() };
}

/**
 * PPO with a separate policy and value network.
 * ```ts
 * const agent = new rl.PPO(() => rl.make('CartPole-v1'), rl.PPO_CARTPOLE);
 * agent.learn({ totalSteps: 100_000, evalEvery: 2048, target: 475 });
 * ```
 */
export class PPO {
  readonly net: ActorCritic;
  readonly optimizer: optim.Adam;
  readonly o: Required<PPOOptions>;
  readonly obsDim: number; readonly nActions: number;
  private g: Generator;
  updates = 0;
  constructor(readonly makeEnv: () => Env<Float32Array>, o: PPOOptions = {}) {
    this.o = { ...PPO_CARTPOLE, ...o };
    for (const k of ['nEnvs', 'nSteps', 'batchSize', 'epochs', 'lr', 'hidden'] as const)
      if (!(this.o[k] > 0)) throw new Error(`PPO: ${k} must be positive, got ${showValue(this.o[k])}`);
    if (!(this.o.clipRange > 0)) throw new Error(`PPO: clipRange must be positive, got ${showValue(this.o.clipRange)}`);
    const probe = makeEnv();
    ({ obsDim: this.obsDim, nActions: this.nActions } = envDims(probe, 'PPO'));
    manualSeed(this.o.seed);
    this.g = new Generator(this.o.seed);
    this.net = new ActorCritic(this.obsDim, this.nActions, this.o.hidden);
    this.optimizer = new optim.Adam(this.net.parameters(), { lr: this.o.lr, eps: 1e-5 });
  }
  private values(obs: Float32Array): Float32Array {
    return noGrad(() => tidy(() => this.net.value(obsTensor(obs, this.obsDim)).data() as Float32Array));
  }
  learn(l: LearnOptions): LearnResult {
    const { totalSteps, evalEvery = 0, evalEpisodes = 100, target = Infinity, curve, log } = l;
    if (!Number.isSafeInteger(totalSteps) || totalSteps <= 0) throw new Error(`PPO.learn: totalSteps must be a positive integer, got ${showValue(totalSteps)}`);
    const { nEnvs: E, nSteps: T } = this.o;
    const d = this.obsDim, N = E * T, o = this.o;
    const venv = new SyncVectorEnv(this.makeEnv, E);
    let obs = venv.reset(o.seed * 100);
    const nIter = Math.floor(totalSteps / N);
    const t0 = performance.now();
    const episodeReturns: number[] = [], evals: { step: number; mean: number }[] = [];
    let t = 0, solvedAt: number | null = null, nextEval = evalEvery;
    for (let it = 0; it < nIter; it++) {
      const frac = o.anneal ? 1 - it / nIter : 1;
      this.optimizer.paramGroups[0].lr = o.lr * frac;
      const clip = o.clipRange * frac;
      const bObs = new Float32Array(N * d), bAct = new BigInt64Array(N), bLp = new Float32Array(N), bRew = new Float32Array(N), bDone = new Float32Array(N), bVal = new Float32Array(N);
      for (let k = 0; k < T; k++) {
        const { logits, v } = noGrad(() => tidy(() => {
          const x = obsTensor(obs, d);
          return { logits: this.net.forward(x).data() as Float32Array, v: this.net.value(x).data() as Float32Array };
        }));
        const { actions, logProbs } = sampleCategorical(logits, this.nActions, this.g);
        bObs.set(obs, k * E * d); bLp.set(logProbs, k * E); bVal.set(v, k * E);
        for (let i = 0; i < E; i++) bAct[k * E + i] = BigInt(actions[i]);
        const r = venv.step(actions);
        for (let i = 0; i < E; i++) {
          let rew = r.rewards[i];
          // a time limit is not the MDP's end: bootstrap from the final observation's value
          if (r.truncated[i] && !r.terminated[i]) rew += o.gamma * this.values(r.finalObservations.get(i)!)[0];
          bRew[k * E + i] = rew; bDone[k * E + i] = r.terminated[i] || r.truncated[i] ? 1 : 0;
        }
        for (const [i, ep] of r.episodes) { episodeReturns.push(ep.return); curve?.add(t + k * E + i + 1, 'episode', ep.return); }
        obs = r.observations;
      }
      t += N;
      const { advantages, returns } = gae(bRew, bVal, bDone, this.values(obs), o.gamma, o.gaeLambda);
      this.train(bObs, bAct, bLp, advantages, returns, clip);
      if (evalEvery && t >= nextEval) {
        nextEval += evalEvery;
        const m = evaluateGreedy(this.makeEnv, this.net, evalEpisodes).mean;
        evals.push({ step: t, mean: m }); curve?.add(t, 'eval', m);
        log?.(`step ${t}: greedy mean return ${m.toFixed(1)} over ${evalEpisodes} episodes, ${this.updates} updates`);
        if (m >= target) { solvedAt = t; break; }
      }
    }
    return { steps: t, updates: this.updates, solvedAt, episodeReturns, evals, seconds: (performance.now() - t0) / 1000 };
  }
  /** `epochs` passes of shuffled minibatches over one rollout. */
  private train(obs: Float32Array, act: BigInt64Array, oldLp: Float32Array, adv: Float32Array, ret: Float32Array, clip: number): void {
    const N = act.length, d = this.obsDim, o = this.o;
    const all = { obs: obsTensor(obs, d), act: tensor(act), lp: tensor(oldLp), adv: tensor(adv), ret: tensor(ret) };
    try {
      for (let e = 0; e < o.epochs; e++) {
        const perm = this.g.permutation(N);
        for (let s = 0; s < N; s += o.batchSize) tidy(() => {
          const idx = tensor(BigInt64Array.from(perm.slice(s, s + o.batchSize), BigInt));
          const x = all.obs.indexSelect(0, idx);
          const { logProb, entropy } = categoricalLogProb(this.net.forward(x), all.act.indexSelect(0, idx));
          const ratio = logProb.sub(all.lp.indexSelect(0, idx)).exp();
          let a = all.adv.indexSelect(0, idx);
          a = a.sub(a.mean()).div(a.std().add(1e-8));
          const pg = a.mul(ratio).minimum(a.mul(ratio.clamp(1 - clip, 1 + clip))).mean().neg();
          const vl = nn.functional.mseLoss(this.net.value(x), all.ret.indexSelect(0, idx));
          const loss = pg.add(vl.mul(o.vfCoef)).sub(entropy.mean().mul(o.entCoef));
          this.optimizer.zeroGrad();
          loss.backward();
          nn.utils.clipGradNorm_(this.net.parameters(), o.maxGradNorm);
          this.optimizer.step();
          this.updates++;
        });
      }
    } finally { for (const t of Object.values(all)) t.dispose(); }
  }
}

