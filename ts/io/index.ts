// io: model files. safetensors (read and write), with atomic writes; torch.save files (read);
// checkpoints that resume exactly; `myelin inspect`.
export { readSafetensors, loadSafetensors, saveSafetensors, serializeSafetensors } from './safetensors';
export type { SafetensorsFile, LoadSafetensorsOptions } from './safetensors';
export { loadTorch } from './torch';
export type { LoadTorchOptions } from './torch';
export { inspectFile, INSPECT_FORMATS } from './inspect';
export type { InspectFormat } from './inspect';
export { saveCheckpoint, loadCheckpoint, resume, type Checkpoint, type SaveCheckpointOptions, type ResumeOptions, type OptimizerCheckpoint, type Stateful } from './checkpoint';
