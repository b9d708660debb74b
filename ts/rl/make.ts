// make(id): gymnasium's registry for the environments myelin has, each with its registered
// TimeLimit (CartPole-v1 500, MountainCar-v0 200, Acrobot-v1 500, FrozenLake-v1 100).
import { showValue } from '../args';
import type { Env } from './env';
import { Acrobot, CartPole, MountainCar } from './envs/classic';
import { FrozenLake, type FrozenLakeOptions } from './envs/frozen_lake';

export const ENVS = {
  'CartPole-v1': () => new CartPole(),
  'MountainCar-v0': () => new MountainCar(),
  'Acrobot-v1': () => new Acrobot(),
  'FrozenLake-v1': (o?: FrozenLakeOptions) => new FrozenLake(o),
} as const;
export type EnvId = keyof typeof ENVS;

/**
 * An environment by its gymnasium id.
 * ```ts
 * const env = rl.make('CartPole-v1');
 * let { observation } = env.reset({ seed: 0 });
 * const { reward, terminated, truncated } = env.step(env.actionSpace.sample());
 * ```
 */
export function make(id: 'FrozenLake-v1', options?: FrozenLakeOptions): FrozenLake;
export function make(id: 'CartPole-v1'): CartPole;
export function make(id: 'MountainCar-v0'): MountainCar;
export function make(id: 'Acrobot-v1'): Acrobot;
export function make(id: EnvId, options?: FrozenLakeOptions): Env<Float32Array> | Env<number>;
export function make(id: EnvId, options?: FrozenLakeOptions): Env<Float32Array> | Env<number> {
  if (typeof id !== 'string' || !Object.prototype.hasOwnProperty.call(ENVS, id)) throw new Error(`make: unknown environment ${showValue(id)} (choose from ${Object.keys(ENVS).join(', ')})`);
  if (id === 'FrozenLake-v1') return ENVS[id](options);
  return ENVS[id]();
}
