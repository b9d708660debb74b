// optim: optimizers (and, in lr_scheduler.ts, learning-rate schedules).
export { Optimizer } from './optimizer';
export type { ParamGroup, Params } from './optimizer';
export { SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizers';
export type { SGDOptions, AdamOptions, RMSpropOptions, AdagradOptions } from './optimizers';
