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
export { SyncVectorEnv } from './vector';
export type { VectorStep } from './vector';
export { mlp, ActorCritic, gae, sampleCategorical, greedyActions, evaluateGreedy, CurveWriter } from './agents/common';
export { QLearning } from './agents/qlearning';
export type { QLearningOptions } from './agents/qlearning';
export { DQN, DQN_CARTPOLE, ReplayBuffer, type ReplayBatch } from './agents/dqn';
export type { DQNOptions, LearnOptions, LearnResult } from './agents/dqn';
export { PPO, PPO_CARTPOLE, categoricalLogProb } from './agents/ppo';
export type { PPOOptions } from './agents/ppo';
export { Reinforce, A2C } from './agents/policy_gradient';
export type { PolicyGradientOptions } from './agents/policy_gradient';
export * as recipes from './recipes';
