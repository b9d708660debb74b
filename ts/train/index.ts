// train: the fit/evaluate loop, progress output and the recipes behind the CLI.
export { fit, fitAsync, evaluate } from './fit';
export type { FitOptions, EpochLog, OptimizerLike, SchedulerLike, Batches } from './fit';
export { makeProgress } from './progress';
export type { Progress } from './progress';
export * as recipes from './recipes';
export * as seqRecipes from './seq_recipes';
export * as genRecipes from './gen_recipes';
export * as metrics from './metrics';
export * as callbacks from './callbacks';
export type { Callback, CallbackContext, Logs } from './callback_list';
export type { History, EvaluateOptions } from './fit';
export type { FitData } from './fit_data';
export { summary } from './summary';
export type { Summary, SummaryRow } from './summary';
export { trainDdpmMnist } from './ddpm_recipe';
export type { DdpmRecipeOptions } from './ddpm_recipe';
export * as transformerRecipes from './transformer_recipes';
export * as bertRecipes from './bert_recipes';
