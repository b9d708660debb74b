// myelin's public surface.
export { Tensor } from './tensor';
export type { TensorLike, Scalar, Dim, ReduceOptions, ValuesIndices, NestedArray } from './tensor';
export type { DType } from './dtype';
export { DTYPES } from './dtype';
export * from './creation';
export * from './functional';
export { tidy, keep, memory } from './memory';
export { OPS } from './ops/registry';
export * as autograd from './autograd/index';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from './autograd/index';
export * as nn from './nn/index';
export * as data from './data/index';
export * as models from './models/index';
export * as optim from './optim/index';
export * as train from './train/index';
