// The RL recipes behind `myelin train dqn-cartpole | ppo-cartpole | qlearning-frozenlake`: each
// trains to gymnasium's reward threshold and writes its learning curve (curve.csv) to a run directory.
import * as path from 'path';
import { setNumThreads, backendInfo } from '../functional';
import { make } from './make';
import { CurveWriter } from './agents/common';
import { DQN, DQN_CARTPOLE, type DQNOptions, type LearnResult } from './agents/dqn';
import { PPO, PPO_CARTPOLE, type PPOOptions } from './agents/ppo';
import { QLearning } from './agents/qlearning';

export interface RlRecipeOptions {
  seed?: number;
  /** The env-step budget (CartPole recipes) or the episode count (Q-learning). */
  steps?: number;
  /** Where curve.csv goes (default runs/<recipe>); null: no file. */
  runDir?: string | null;
  log?: (line: string) => void;
}
export interface RlRecipeResult { summary: string; solved: boolean; solvedAt: number | null; curve: CurveWriter; result?: LearnResult; successRate?: number; seconds: number }

/** CartPole-v1's reward threshold in gymnasium's registry: mean return over 100 episodes. */
export const CARTPOLE_TARGET = 475;
const runDir = (name: string, o: RlRecipeOptions) => (o.runDir === null ? undefined : o.runDir ?? path.join('runs', name));

/** Tiny networks gain nothing from the kernel thread pool, and on a busy machine its handoffs cost more than the math. */
function singleThread<T>(fn: () => T): T {
  const before = backendInfo().numThreads;
  setNumThreads(1);
  try { return fn(); } finally { setNumThreads(before); }
}

function cartpole(name: string, agent: DQN | PPO, budget: number, evalEvery: number, o: RlRecipeOptions): RlRecipeResult {
  const curve = new CurveWriter(runDir(name, o));
  const r = singleThread(() => agent.learn({ totalSteps: budget, evalEvery, evalEpisodes: 100, target: CARTPOLE_TARGET, curve, log: o.log }));
  const best = Math.max(...r.evals.map((e) => e.mean), -Infinity);
  const summary = r.solvedAt !== null
    ? `${name}: solved CartPole-v1 (greedy mean return >= ${CARTPOLE_TARGET} over 100 episodes) after ${r.solvedAt} env steps, ${r.updates} updates, ${r.seconds.toFixed(1)} s`
    : `${name}: not solved within ${budget} env steps (best greedy mean return ${best.toFixed(1)}), ${r.updates} updates, ${r.seconds.toFixed(1)} s`;
  return { summary: curve.file ? `${summary}; curve in ${curve.file}` : summary, solved: r.solvedAt !== null, solvedAt: r.solvedAt, curve, result: r, seconds: r.seconds };
}

/** DQN on CartPole-v1 with rl-zoo's settings ({@link DQN_CARTPOLE}); 50,000 env steps at most, evaluated every 2,000. */
export function trainDqnCartpole(o: RlRecipeOptions & { dqn?: DQNOptions } = {}): RlRecipeResult {
  const agent = new DQN(() => make('CartPole-v1'), { ...DQN_CARTPOLE, seed: o.seed ?? 0, ...o.dqn });
  return cartpole('dqn-cartpole', agent, o.steps ?? 50_000, 2000, o);
}

/** PPO on CartPole-v1 with rl-zoo's settings ({@link PPO_CARTPOLE}); 100,000 env steps at most, evaluated every 2,048. */
export function trainPpoCartpole(o: RlRecipeOptions & { ppo?: PPOOptions } = {}): RlRecipeResult {
  const agent = new PPO(() => make('CartPole-v1'), { ...PPO_CARTPOLE, seed: o.seed ?? 0, ...o.ppo });
  return cartpole('ppo-cartpole', agent, o.steps ?? 100_000, 2048, o);
}

/** Tabular Q-learning on the slippery FrozenLake 4x4: α 0.05, γ 0.99, ε 1 → 0.01 over half the episodes; greedy success over 2,000 episodes (gymnasium's threshold 0.70; the optimum is about 0.74). */
export function trainQlearningFrozenlake(o: RlRecipeOptions = {}): RlRecipeResult {
  const t0 = performance.now();
  const env = make('FrozenLake-v1');
  const curve = new CurveWriter(runDir('qlearning-frozenlake', o));
  const agent = new QLearning(16, 4, { alpha: 0.05, gamma: 0.99, epsilonDecayFraction: 0.5, seed: o.seed ?? 0 });
  const episodes = o.steps ?? 20_000;
  agent.learn(env, episodes, curve);
  const successRate = agent.evaluate(env, 2000);
  curve.add(episodes, 'greedy_success', successRate);
  const seconds = (performance.now() - t0) / 1000;
  const summary = `qlearning-frozenlake: greedy success rate ${successRate.toFixed(3)} over 2000 episodes after ${episodes} training episodes (${successRate >= 0.7 ? 'solved' : 'not solved'}: threshold 0.70), ${seconds.toFixed(1)} s`;
  return { summary: curve.file ? `${summary}; curve in ${curve.file}` : summary, solved: successRate >= 0.7, solvedAt: null, curve, successRate, seconds };
}
