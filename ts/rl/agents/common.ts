// Pieces the neural agents share: MLPs, the actor-critic module, GAE, categorical sampling from
// logits, batched greedy evaluation, and the learning curve a run writes.
import * as fs from 'fs';
import * as path from 'path';
import type { Tensor } from '../../tensor';
import { tensor } from '../../creation';
import { noGrad } from '../../autograd/engine';
import { tidy } from '../../memory';
import * as nn from '../../nn/index';
import type { Generator } from '../../data/random';
import type { Env } from '../env';
import { Box, Discrete } from '../spaces';
import { showValue } from '../../args';

/** The observation width and action count of a Box-observation, Discrete-action env (what the neural agents take). */
export function envDims(env: Env<Float32Array>, who: string): { obsDim: number; nActions: number } {
  if (!(env.observationSpace instanceof Box) || !(env.actionSpace instanceof Discrete))
    throw new Error(`${who}: ${env.id} needs a Box observation space and a Discrete action space, got ${env.observationSpace} and ${env.actionSpace}`);
  return { obsDim: env.observationSpace.shape[0], nActions: env.actionSpace.n };
}

/** Linear layers of `sizes` with `act` between them (none after the last). */
export function mlp(sizes: number[], act: 'relu' | 'tanh' = 'relu'): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new nn.Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) layers.push(act === 'relu' ? new nn.ReLU() : new nn.Tanh());
  }
  return new nn.Sequential(...layers);
}

/** Separate policy (logits) and value MLPs with tanh, orthogonally initialized as Stable-Baselines3 does
 * (gain √2 on hidden layers, 0.01 on the policy head, 1 on the value head; zero biases). */
export class ActorCritic extends nn.Module {
  readonly pi: nn.Sequential;
  readonly v: nn.Sequential;
  constructor(obsDim: number, nActions: number, hidden = 64) {
    super();
    this.pi = mlp([obsDim, hidden, hidden, nActions], 'tanh');
    this.v = mlp([obsDim, hidden, hidden, 1], 'tanh');
    for (const [net, gain] of [[this.pi, 0.01], [this.v, 1]] as const) {
      const lin = [...net.children()].filter((m): m is nn.Linear => m instanceof nn.Linear);
      lin.forEach((l, i) => { nn.init.orthogonal_(l.weight, i === lin.length - 1 ? gain : Math.SQRT2); nn.init.zeros_(l.bias!); });
    }
  }
  forward(x: Tensor): Tensor { return this.pi.forward(x) as Tensor; }
  value(x: Tensor): Tensor { return (this.v.forward(x) as Tensor).squeeze(1); }
}

/** [n, d] float32 tensor over a flat observation buffer. */
export const obsTensor = (obs: Float32Array, d: number): Tensor => tensor(obs, { shape: [obs.length / d, d] });

/**
 * Generalized advantage estimation (Schulman et al. 2016) over a rollout of T steps of E envs,
 * flat [T * E] (index t * E + e). dones[t] = 1 where the episode ended at step t (no bootstrap past it).
 * Returns advantages and returns (advantages + values).
 * ```ts
 * const { advantages } = rl.gae([1, 1], [0.5, 0.4], [0, 1], [0], 0.99, 0.95);
 * ```
 */
export function gae(rewards: ArrayLike<number>, values: ArrayLike<number>, dones: ArrayLike<number>, lastValues: ArrayLike<number>,
  gamma: number, lambda: number): { advantages: Float32Array; returns: Float32Array } {
  const E = lastValues.length, T = rewards.length / E;
  if (E === 0 || !Number.isInteger(T) || values.length !== rewards.length || dones.length !== rewards.length)
    throw new Error(`gae: rewards, values and dones must all have T * E entries (E = ${E} last values), got ${rewards.length}, ${values.length}, ${dones.length}`);
  if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) throw new Error(`gae: gamma and lambda must be in [0, 1], got ${showValue(gamma)} and ${showValue(lambda)}`);
  const adv = new Float32Array(T * E), ret = new Float32Array(T * E);
  for (let e = 0; e < E; e++) {
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * E + e;
      const next = t === T - 1 ? lastValues[e] : values[i + E];
      const nonTerminal = 1 - dones[i];
      const delta = rewards[i] + gamma * next * nonTerminal - values[i];
      last = delta + gamma * lambda * nonTerminal * last;
      adv[i] = last; ret[i] = last + values[i];
    }
  }
  return { advantages: adv, returns: ret };
}

/** One draw per row of [n, k] logits (a softmax computed here in float64) with the row's log-probability. */
export function sampleCategorical(logits: Float32Array, k: number, g: Generator): { actions: Int32Array; logProbs: Float32Array } {
  const n = logits.length / k, actions = new Int32Array(n), logProbs = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, logits[r * k + j]);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(logits[r * k + j] - m);
    const u = g.next() * z;
    let c = 0, a = k - 1;
    for (let j = 0; j < k; j++) { c += Math.exp(logits[r * k + j] - m); if (c > u) { a = j; break; } }
    actions[r] = a; logProbs[r] = logits[r * k + a] - m - Math.log(z);
  }
  return { actions, logProbs };
}

/** The greedy (argmax) actions of a Q or logits network for a batch of observations. */
export function greedyActions(net: { forward(x: Tensor): unknown }, obs: Float32Array, d: number): Int32Array {
  // the argmax is taken here, over data(): one native op less per environment step
  const q = noGrad(() => tidy(() => (net.forward(obsTensor(obs, d)) as Tensor).data() as Float32Array));
  const n = obs.length / d, k = q.length / n, out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (q[r * k + j] > q[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Mean return of `episodes` greedy episodes, stepped together (one batched forward per step):
 * environment i is reset with seed + i, so every evaluation plays the same starts.
 */
export function evaluateGreedy(makeEnv: () => Env<Float32Array>, net: { forward(x: Tensor): unknown }, episodes = 100, seed = 10_000): { mean: number; returns: number[] } {
  const envs = Array.from({ length: episodes }, makeEnv);
  const d = envDims(envs[0], 'evaluateGreedy').obsDim;
  const obs = new Float32Array(episodes * d);
  envs.forEach((e, i) => obs.set(e.reset({ seed: seed + i }).observation, i * d));
  const returns = new Array<number>(episodes).fill(0);
  let live = envs.map((_, i) => i);
  while (live.length) {
    const batch = new Float32Array(live.length * d);
    live.forEach((i, j) => batch.set(obs.subarray(i * d, (i + 1) * d), j * d));
    const acts = greedyActions(net, batch, d);
    live = live.filter((i, j) => {
      const r = envs[i].step(acts[j]);
      returns[i] += r.reward; obs.set(r.observation, i * d);
      return !(r.terminated || r.truncated);
    });
  }
  return { mean: returns.reduce((a, b) => a + b, 0) / episodes, returns };
}

/** A learning curve: rows of (step, kind, value) written as CSV to `dir/curve.csv` as they come. */
export class CurveWriter {
  readonly rows: { step: number; kind: string; value: number }[] = [];
  readonly file?: string;
  constructor(dir?: string) {
    if (dir) { fs.mkdirSync(dir, { recursive: true }); this.file = path.join(dir, 'curve.csv'); fs.writeFileSync(this.file, 'step,kind,value\n'); }
  }
  add(step: number, kind: string, value: number): void {
    this.rows.push({ step, kind, value });
    if (this.file) fs.appendFileSync(this.file, `${step},${kind},${value}\n`);
  }
}
