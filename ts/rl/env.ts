// The environment base: gymnasium's reset/step API with its checks (the action must be in the
// action space, reset before step, no step after an episode ended) and TimeLimit truncation.
import { Generator } from '../data/random';
import { showValue } from '../args';
import type { Space } from './spaces';

export interface ResetResult<O> { observation: O; info: Record<string, unknown> }
export interface StepResult<O> { observation: O; reward: number; terminated: boolean; truncated: boolean; info: Record<string, unknown> }
export interface ResetOptions { seed?: number }

/**
 * An environment with gymnasium's API. Subclasses write resetEnv/stepEnv (the unwrapped env's
 * dynamics); the base adds what gymnasium's make() wraps around them: the order checks and a
 * TimeLimit that sets `truncated` once `maxEpisodeSteps` steps have run.
 *
 * Unlike gymnasium (which only warns), stepping an ended episode throws: its results would be
 * undefined behaviour, and a training loop that does it has a bug.
 */
export abstract class Env<O, A = number> {
  abstract readonly id: string;
  abstract readonly observationSpace: Space<unknown>;
  abstract readonly actionSpace: Space<A>;
  /** The TimeLimit: truncated = true on this step (null: no limit). */
  maxEpisodeSteps: number | null = null;
  /** Steps since the last reset (TimeLimit's elapsed steps). */
  elapsedSteps = 0;
  /** The env's own generator (gymnasium's np_random): reseeded by reset({ seed }). */
  protected rng = new Generator(Math.floor(Math.random() * 2 ** 32));
  private phase: 'new' | 'running' | 'ended' = 'new';

  protected abstract resetEnv(): ResetResult<O>;
  protected abstract stepEnv(action: A): Omit<StepResult<O>, 'truncated'>;

  reset(options: ResetOptions = {}): ResetResult<O> {
    if (options === null || typeof options !== 'object') throw new Error(`${this.id}.reset: options must be an object like { seed }, got ${showValue(options)}`);
    const { seed } = options;
    if (seed !== undefined) {
      if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${this.id}.reset: seed must be a non-negative integer, got ${showValue(seed)}`);
      this.rng = new Generator(seed);
    }
    this.elapsedSteps = 0;
    this.phase = 'running';
    return this.resetEnv();
  }

  step(action: A): StepResult<O> {
    if (this.phase === 'new') throw new Error(`${this.id}.step: call reset() before step()`);
    if (this.phase === 'ended') throw new Error(`${this.id}.step: the episode has ended (terminated or truncated); call reset() before stepping again`);
    if (!this.actionSpace.contains(action)) throw new Error(`${this.id}.step: action ${showValue(action)} is not in the action space ${this.actionSpace}`);
    const r = this.stepEnv(action);
    this.elapsedSteps++;
    const truncated = this.maxEpisodeSteps !== null && this.elapsedSteps >= this.maxEpisodeSteps;
    if (r.terminated || truncated) this.phase = 'ended';
    return { ...r, truncated };
  }
}

/** A state vector of `n` finite numbers (the settable `state` of the classic-control envs). */
export function stateArg(who: string, v: unknown, n: number): number[] {
  const a = v instanceof Float32Array || v instanceof Float64Array ? Array.from(v) : v;
  if (!Array.isArray(a) || a.length !== n || !a.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new Error(`${who}: state must be ${n} finite numbers, got ${showValue(v)}`);
  return a.slice();
}
