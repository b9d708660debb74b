// myelin.data: datasets, loaders, transforms and offline data sets (MNIST, Boston).
export { readIdx } from './idx';
export type { IdxType, IdxArray, IdxData } from './idx';
export { loadMnist, defaultMnistRoot } from './mnist';
export type { MnistOptions, Mnist } from './mnist';
export { loadBoston } from './boston';
export type { Boston } from './boston';
export { Dataset, TensorDataset, Subset, randomSplit } from './dataset';
export { DataLoader, defaultCollate } from './dataloader';
export type { DataLoaderOptions } from './dataloader';
export { normalize, Standardizer, randomShift } from './transforms';
export { Generator } from './random';
export { TextDataset, padBatch, padCollate, splitIndices } from './text_dataset'; export type { TextDatasetOptions, PadBatchOptions, PaddedBatch } from './text_dataset';
export { addGaussianNoise } from './noise';
