// The CLI's model files: `myelin train RECIPE --save FILE` writes the trained weights (the
// metadata names the recipe), `myelin predict` rebuilds the recipe's model, loads them, and
// classifies a JSON array or a 28x28 PNG.
import * as fs from 'node:fs';
import * as path from 'node:path';
// pngjs: a pure-JS PNG codec (every bit depth, palette and interlace), well kept and widely
// used; decoding PNG by hand (zlib + filters + interlace) would be a parser to get wrong.
import { PNG } from 'pngjs';
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { cat } from '../functional';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import type { Module } from '../nn/module';
import { readSafetensors } from '../io/safetensors';
import { mnistMlp, mnistCnn, mnistResnet, xorMlp, MNIST_MEAN, MNIST_STD } from './recipes';

interface RecipeModel {
  build: () => Module;
  /** One sample's shape (the batch dim excluded). */
  sample: number[];
  /** MNIST recipes: inputs are pixel intensities in [0, 1], normalized as in training; images accepted. */
  mnist: boolean;
}
const mnist = (build: () => Module): RecipeModel => ({ build, sample: [1, 28, 28], mnist: true });
/** The recipes whose trained model can be saved and used by predict. */
export const RECIPE_MODELS: Record<string, RecipeModel> = {
  'mnist-mlp': mnist(mnistMlp), 'mnist-cnn': mnist(mnistCnn), 'mnist-resnet': mnist(mnistResnet),
  xor: { build: xorMlp, sample: [2], mnist: false },
};
export const FORMAT = 'myelin.model/1';

/** Refuses `--save` for a recipe that has no single model to save, before any training. */
export function checkSavable(recipe: string, file: string): void {
  if (!(recipe in RECIPE_MODELS)) throw new Error(`train: --save: recipe '${recipe}' has no single model to save (recipes with one: ${Object.keys(RECIPE_MODELS).join(', ')})`);
  if (file === '') throw new Error('train: --save needs a file name');
}

/** Writes a recipe's trained model (atomically) with metadata naming the recipe and options. */
export function saveTrained(file: string, recipe: string, model: Module | undefined, opts: Record<string, number | undefined>): void {
  if (!model) throw new Error(`train: --save: recipe '${recipe}' returned no model`);
  const metadata: Record<string, string> = { format: FORMAT, recipe };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) metadata[k] = String(v);
  model.save(file, metadata);
}

export interface Prediction { class: number; probabilities: number[] }

/**
 * The recipe's model with `modelFile`'s weights (a `train --save` file, any safetensors state
 * dict, or a training checkpoint), in eval mode. A file of other weights (another
 * recipe's, a torn file) is a named Error.
 */
export function loadRecipeModel(modelFile: string, recipe: string): Module {
  const rm = RECIPE_MODELS[recipe];
  if (!rm) throw new Error(`predict: --recipe '${recipe}' is not one predict knows (choose from ${Object.keys(RECIPE_MODELS).join(', ')})`);
  const label = path.basename(modelFile);
  let file: ReturnType<typeof readSafetensors>;
  try { file = readSafetensors(modelFile); } catch (e) { throw new Error(`predict: --model ${(e as Error).message.replace(/^loadSafetensors: /, '')}`); }
  const model = rm.build();
  const saved = file.metadata.recipe;
  // a training checkpoint (io.saveCheckpoint) holds the model as model.<key>, beside optimizer state
  const ck = file.metadata.format === 'myelin.checkpoint/1';
  const weights = ck ? Object.fromEntries(Object.entries(file.tensors).filter(([k]) => k.startsWith('model.')).map(([k, t]) => [k.slice(6), t])) : file.tensors;
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new Error(`predict: ${label}: the weights do not fit recipe '${recipe}'${saved ? ` (they were saved by recipe '${saved}')` : ''}: ${(e as Error).message.split('\n').slice(1, 3).map((s) => s.trim()).join('; ')}`);
  } finally {
    for (const t of Object.values(file.tensors)) t.dispose();
  }
  // the same shapes under another recipe's name would still be the wrong model
  if (saved !== undefined && saved !== recipe) throw new Error(`predict: ${label}: the weights were saved by recipe '${saved}', not '${recipe}'`);
  model.eval();
  return model;
}

/** Reads --input: a PNG (by its signature) or a JSON array; returns the batch tensor and whether it was one sample. */
export function readInput(inputFile: string, recipe: string): { x: Tensor; single: boolean } {
  const rm = RECIPE_MODELS[recipe];
  const label = path.basename(inputFile);
  const fail = (m: string): never => { throw new Error(`predict: ${label}: ${m}`); };
  let bytes: Buffer;
  try { bytes = fs.readFileSync(inputFile); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`cannot read --input ${inputFile}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  const S = rm.sample.reduce((a, b) => a * b, 1);
  let values: Float32Array, single: boolean, n: number;
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    if (!rm.mnist) fail(`an image, but recipe '${recipe}' takes ${rm.sample.join('x')} numbers (give a JSON array)`);
    values = pngPixels(bytes, fail);
    single = true; n = 1;
  } else {
    let json: unknown;
    try { json = JSON.parse(bytes.toString('utf8')); } catch (e) { return fail(`neither a PNG image nor valid JSON: ${(e as Error).message}`); }
    const flat: number[] = [];
    const shape = shapeOf(json, flat, fail);
    // one sample: the sample shape, flat, or without its leading 1s; a batch: an array of those
    const core = rm.sample.slice(rm.sample.findIndex((d) => d !== 1));
    const fits = (s: number[]) => [rm.sample, [S], core].some((t) => t.join(',') === s.join(','));
    if (fits(shape)) { single = true; n = 1; } else if (shape.length > 1 && fits(shape.slice(1))) { single = false; n = shape[0]; } else {
      return fail(`a JSON array of shape [${shape.join(', ')}]; recipe '${recipe}' takes one sample of shape [${rm.sample.join(', ')}] (or ${S} numbers), or an array of such samples`);
    }
    if (n === 0) fail('an empty batch');
    if (rm.mnist) {
      const bad = flat.findIndex((v) => !(v >= 0 && v <= 1));
      if (bad >= 0) fail(`value ${flat[bad]} at flat index ${bad} is outside [0, 1] (MNIST recipes take pixel intensities in [0, 1], as data.loadMnist gives them)`);
    }
    values = Float32Array.from(flat);
  }
  const x = tensor(values, { shape: [n, ...rm.sample] });
  if (!rm.mnist) return { x, single };
  // normalized with the ops (and float32 rounding) mnistDatasets uses in training
  const xn = noGrad(() => tidy(() => x.sub(MNIST_MEAN).div(MNIST_STD)));
  x.dispose();
  return { x: xn, single };
}

/** A rectangular nested array of finite numbers: its shape, its values appended to `flat`. */
function shapeOf(v: unknown, flat: number[], fail: (m: string) => never, where = 'the input'): number[] {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${where} is ${v}, not a finite number`);
    flat.push(v);
    return [];
  }
  if (!Array.isArray(v)) return fail(`${where} must be a number or an array, got ${v === null ? 'null' : typeof v}`);
  const shapes = v.map((e, i) => shapeOf(e, flat, fail, `${where}[${i}]`));
  for (let i = 1; i < shapes.length; i++)
    if (shapes[i].join(',') !== shapes[0].join(',')) fail(`${where} is ragged: element 0 has shape [${shapes[0].join(', ')}], element ${i} [${shapes[i].join(', ')}]`);
  return [v.length, ...(shapes[0] ?? [])];
}

/** A 28x28 PNG's gray levels in [0, 1] (color images by their luma; alpha is ignored). */
function pngPixels(bytes: Buffer, fail: (m: string) => never): Float32Array {
  let png: PNG;
  try { png = PNG.sync.read(bytes); } catch (e) { return fail(`not a readable PNG: ${(e as Error).message}`); }
  if (png.width !== 28 || png.height !== 28) fail(`the image is ${png.width}x${png.height}; MNIST recipes take 28x28 grayscale images (resize it first)`);
  const out = new Float32Array(28 * 28);
  // pngjs hands back 8-bit RGBA whatever the file's color type
  for (let i = 0; i < out.length; i++) {
    const r = png.data[4 * i], g = png.data[4 * i + 1], b = png.data[4 * i + 2];
    out[i] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return out;
}

/** Classifies with a loaded recipe model: softmax over the logits (MNIST), or the sigmoid output as P(1) (XOR). */
export function classify(model: Module, x: Tensor): Prediction[] {
  return noGrad(() => tidy(() => {
    const out = model.forward(x) as Tensor;
    const probs = out.shape[1] === 1 ? cat([out.neg().add(1), out], 1) : out.softmax(1);
    const p = Array.from(probs.data() as Float32Array);
    const k = probs.shape[1];
    return Array.from({ length: probs.shape[0] }, (_, i) => {
      const row = p.slice(i * k, (i + 1) * k);
      return { class: row.indexOf(Math.max(...row)), probabilities: row };
    });
  }));
}

/** `myelin predict`: the JSON line to print. */
export function predict(o: { model?: string; recipe?: string; input?: string }): string {
  for (const k of ['model', 'recipe', 'input'] as const) if (!o[k]) throw new Error(`predict: --${k} is required`);
  if (!(o.recipe! in RECIPE_MODELS)) throw new Error(`predict: --recipe '${o.recipe}' is not one predict knows (choose from ${Object.keys(RECIPE_MODELS).join(', ')})`);
  const model = loadRecipeModel(o.model!, o.recipe!);
  const { x, single } = readInput(o.input!, o.recipe!);
  try {
    const preds = classify(model, x);
    return JSON.stringify(single ? preds[0] : preds);
  } finally { x.dispose(); }
}
