// `myelin export-onnx RECIPE --model model.safetensors --out model.onnx`: builds a recipe's
// architecture (ts/train/recipes.ts), loads its weights from safetensors and writes ONNX with
// a dynamic batch axis. ts/cli.ts registers the command; the logic is here.
import { zeros } from '../creation';
import { tidy } from '../memory';
import type { Module } from '../nn/module';
import { loadSafetensors } from '../io/safetensors';
import * as recipes from '../train/recipes';
import { exportModel } from './export';

/** The recipes with an architecture to export: its constructor and one example input's shape (batch 1). */
export const EXPORT_RECIPES: Readonly<Record<string, { make: () => Module; input: number[] }>> = {
  'mnist-mlp': { make: recipes.mnistMlp, input: [1, 1, 28, 28] },
  'mnist-cnn': { make: recipes.mnistCnn, input: [1, 1, 28, 28] },
  'mnist-resnet': { make: recipes.mnistResnet, input: [1, 1, 28, 28] },
};

export interface ExportOnnxOptions { model?: string; out?: string; opset?: number }

/**
 * Exports recipe `recipe`'s model with weights from `o.model` (a safetensors state dict, as
 * Module.save writes) to `o.out` (input 'input' [batch, ...], output 'output'). Returns the
 * lines to print. Bad recipes, missing options and mismatched weights throw named Errors.
 * ```ts
 * exportOnnxCommand('mnist-mlp', { model: 'mlp.safetensors', out: 'mlp.onnx' });
 * ```
 */
export function exportOnnxCommand(recipe: string, o: ExportOnnxOptions): string[] {
  const r = EXPORT_RECIPES[recipe];
  if (!r) throw new Error(`export-onnx: unknown recipe '${recipe}' (choose from ${Object.keys(EXPORT_RECIPES).join(', ')})`);
  if (!o.model) throw new Error('export-onnx: --model <file.safetensors> is required');
  if (!o.out) throw new Error('export-onnx: --out <file.onnx> is required');
  const model = r.make();
  const sd = loadSafetensors(o.model);
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new Error(`export-onnx: ${o.model} does not hold ${recipe}'s weights: ${(e as Error).message}`);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  tidy(() => exportModel(model, zeros(r.input), o.out!, {
    opsetVersion: o.opset, inputNames: ['input'], outputNames: ['output'], dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } },
  }));
  return [`wrote ${o.out} (${recipe}, input [batch, ${r.input.slice(1).join(', ')}])`];
}
