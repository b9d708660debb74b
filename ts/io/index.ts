// io: model files. safetensors (read and write), with atomic writes.
export { readSafetensors, loadSafetensors, saveSafetensors, serializeSafetensors } from './safetensors';
export type { SafetensorsFile, LoadSafetensorsOptions } from './safetensors';
