// optim: optimizers (and, in lr_scheduler.ts, learning-rate schedules).
export { Optimizer } from './optimizer';
export type { ParamGroup, Params } from './optimizer';
export { SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizers';
export type { SGDOptions, AdamOptions, RMSpropOptions, AdagradOptions } from './optimizers';
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR, ReduceLROnPlateau } from './lr_scheduler';
export { EarlyStopping } from './early_stopping';
export type { HasState } from './early_stopping';
