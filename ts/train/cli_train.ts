// The CLI's training plumbing: the exit codes, `--config FILE.yaml` read with `yaml` and checked
// by a zod schema (an unknown or mistyped key is an error naming it), Ctrl-C handling (the
// terminal restored, the last checkpoint kept, exit 130), and the evaluate and summary commands.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Tensor } from '../tensor';
import type { Module } from '../nn/module';
import { crossEntropy, mseLoss } from '../nn/functional';
import { tensor } from '../creation';
import { evaluate } from './fit';
import { summary } from './summary';
import type { Callback, CallbackContext } from './callback_list';
import { mnistDatasets } from './recipes';
import { RECIPE_MODELS, loadRecipeModel } from './cli_io';

/** Exit codes: distinct per kind of failure, so scripts can tell them apart. */
export const EXIT = { ok: 0, error: 1, usage: 2, config: 3, interrupted: 130 } as const;
/** An error with the exit code it should end the CLI with. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); }
}

const posInt = z.number().int().positive();
/** What a config file may hold: train's options under their camelCase names (a flag given on the command line wins). */
export const TRAIN_CONFIG = z.object({
  recipe: z.string(),
  epochs: posInt, batchSize: posInt, lr: z.number().positive().finite(), seed: z.number().int().nonnegative(),
  threads: posInt, trainLimit: posInt, steps: posInt, save: z.string().min(1), checkpoint: z.string().min(1), json: z.boolean(),
  variant: z.string().min(1), runDir: z.string().min(1), trials: posInt, parallel: posInt,
}).partial().strict();
export type TrainConfig = z.infer<typeof TRAIN_CONFIG>;

const showed = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
/** Reads and checks a YAML (or JSON) config file; every problem is a CliError (exit 3) naming the file, the key and the value. */
export function readConfig(file: string): TrainConfig {
  const label = `config ${file}`;
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${label}: cannot read it: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.config);
  }
  let doc: unknown;
  try { doc = parseYaml(text); } catch (e) { throw new CliError(`${label}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, EXIT.config); }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${label}: must be a mapping of option: value, got ${showed(doc)}`, EXIT.config);
  const r = TRAIN_CONFIG.safeParse(doc);
  if (r.success) return r.data;
  const allowed = Object.keys(TRAIN_CONFIG.shape).join(', ');
  const lines = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `unknown key '${k}' (allowed: ${allowed})`).join('; ');
    const key = i.path.join('.');
    return `key '${key}' ${i.message.replace(/^Invalid input: /, '').toLowerCase()}, got ${showed((doc as Record<string, unknown>)[key])}`;
  });
  throw new CliError(`${label}: ${lines.join('; ')}`, EXIT.config);
}

/**
 * Ctrl-C during training: the first SIGINT asks fit to stop after the current batch (the
 * callback sets model.stopTraining) and shows the cursor a progress bar hid; a second one
 * exits at once. dispose() removes the handler.
 */
export function interruptible(): { callback: Callback; interrupted: () => boolean; dispose: () => void } {
  let hits = 0, model: Module | null = null;
  const showCursor = () => { for (const s of [process.stdout, process.stderr]) if (s.isTTY) s.write('\x1b[?25h'); };
  const onSigint = () => {
    hits++;
    showCursor();
    if (model) model.stopTraining = true;
    if (hits > 1) process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSigint);
  return {
    callback: {
      setContext(ctx: CallbackContext) { model = ctx.model; if (hits) model.stopTraining = true; },
      onBatchEnd() { if (hits && model) model.stopTraining = true; },
    },
    interrupted: () => hits > 0,
    dispose: () => { process.off('SIGINT', onSigint); },
  };
}

/** `myelin evaluate RECIPE --model FILE`: the saved model on the recipe's test data. */
export function evaluateRecipe(recipe: string, modelFile: string): Record<string, number | string> {
  if (!(recipe in RECIPE_MODELS)) throw new CliError(`evaluate: recipe '${recipe}' has no saved model to evaluate (choose from ${Object.keys(RECIPE_MODELS).join(', ')})`, EXIT.usage);
  let model: Module;
  try { model = loadRecipeModel(modelFile, recipe); } catch (e) { throw new Error((e as Error).message.replace(/^predict: /, 'evaluate: ')); }
  if (recipe === 'xor') {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float32' }), y = tensor([[0], [1], [1], [0]], { dtype: 'float32' });
    const r = evaluate(model, [[x, y]], { lossFn: (o, t) => mseLoss(o, t), metrics: ['rmse'] });
    return { recipe, samples: 4, mse: r.loss, rmse: r.rmse };
  }
  const { train, test } = mnistDatasets(1);
  train.tensors.forEach((t: Tensor) => t.dispose());
  const r = evaluate(model, test, { lossFn: (o, t) => crossEntropy(o, t), metrics: ['acc', 'f1', 'top5Acc'], batchSize: 1000 });
  return { recipe, samples: test.length, loss: r.loss, accuracy: r.acc, f1Macro: r.f1, top5Accuracy: r.top5Acc };
}

/** `myelin summary RECIPE`: the layer table of the recipe's model for one sample. */
export function summarizeRecipe(recipe: string): string {
  const rm = RECIPE_MODELS[recipe];
  if (!rm) throw new CliError(`summary: recipe '${recipe}' has no single model (choose from ${Object.keys(RECIPE_MODELS).join(', ')})`, EXIT.usage);
  return summary(rm.build(), [1, ...rm.sample]).text;
}

/** The package's version (package.json beside dist/ and ts/). */
export const version = (): string => (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
