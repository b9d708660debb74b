// train: the fit/evaluate loop, progress output and the recipes behind the CLI.
export { fit, fitAsync, evaluate } from './fit';
export type { FitOptions, EpochLog, OptimizerLike, SchedulerLike, Batches } from './fit';
export { makeProgress } from './progress';
export type { Progress } from './progress';
export * as recipes from './recipes';
export * as seqRecipes from './seq_recipes';
export * as bertRecipes from './bert_recipes';
