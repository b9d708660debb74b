// rl: gymnasium-style environments, the agents (tabular Q-learning, DQN, REINFORCE, A2C, PPO)
// built on myelin's tensors, nn, optim and autograd, and the CartPole/FrozenLake recipes.
export { Discrete, Box } from './spaces';
export type { Space } from './spaces';
export { Env } from './env';
export type { ResetResult, StepResult, ResetOptions } from './env';
export { CartPole, MountainCar, Acrobot } from './envs/classic';
export { FrozenLake, FROZEN_LAKE_MAPS } from './envs/frozen_lake';
export type { Transition, FrozenLakeOptions } from './envs/frozen_lake';
export { make, ENVS } from './make';
export type { EnvId } from './make';
