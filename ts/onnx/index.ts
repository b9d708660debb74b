// onnx: export traced myelin models as ONNX files (exportModel), load ONNX files to run in
// myelin (load), and list a file's inputs, outputs and initializers (inspectOnnx).
export { exportModel, exportBytes } from './export';
export type { ExportOptions } from './export';
export { load } from './import';
export type { OnnxModel } from './import';
export { inspectOnnx } from './inspect';
