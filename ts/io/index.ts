// The io namespace: reading and writing tensors in other frameworks' formats.
export { loadTorch } from './torch';
export type { LoadTorchOptions } from './torch';
