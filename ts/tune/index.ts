// tune: hyperparameter search. Spaces, samplers (grid, random, TPE), pruners (median, ASHA) and search().
export { uniform, logUniform, int, choice } from './space';
export type { Space, Param, Config, Uniform, LogUniform, IntParam, Choice } from './space';
export { GridSampler, RandomSampler, TPESampler } from './samplers';
export type { Sampler, TrialRecord, Direction, TPEOptions } from './samplers';
export { MedianPruner, SuccessiveHalvingPruner } from './pruners';
export type { Pruner } from './pruners';
export { search } from './search';
export type { Objective, ModuleObjective, SearchOptions, SearchResult, Trial } from './search';
export { tuneMnist, mnistMlpTrial } from './mnist';
export type { TuneMnistOptions, TuneMnistArgs } from './mnist';
