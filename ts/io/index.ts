// io: model files. safetensors (read and write), with atomic writes.
export { readSafetensors, loadSafetensors, saveSafetensors, serializeSafetensors } from './safetensors';
export type { SafetensorsFile, LoadSafetensorsOptions } from './safetensors';
export { saveCheckpoint, loadCheckpoint, resume, type Checkpoint, type SaveCheckpointOptions, type ResumeOptions, type OptimizerCheckpoint, type Stateful } from './checkpoint';
