// summary(model, inputShape): the layer table torchinfo and Keras print — each layer's output
// shape and parameter count from one forward pass on zeros, trainable and frozen totals and
// memory estimates — drawn with cli-table3.
import type TableType from 'cli-table3';
import { Tensor } from '../tensor';
import { zeros } from '../creation';
import type { DType } from '../dtype';
import { noGrad } from '../autograd/engine';
import { tidy } from '../memory';
import { showValue } from '../args';
import { Module, Parameter } from '../nn/module';

export interface SummaryRow { name: string; type: string; depth: number; outputShape: number[] | null; params: number; trainable: number }
export interface Summary {
  rows: SummaryRow[];
  totalParams: number; trainableParams: number; frozenParams: number;
  /** Bytes: the input, the layers' outputs times two (each output and its gradient, as torchinfo counts the forward/backward pass), the parameters. */
  inputBytes: number; forwardBackwardBytes: number; paramBytes: number; totalBytes: number;
  /** The printed table. */
  text: string;
  toString(): string;
}

const BYTES: Record<string, number> = { float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };
const bytesOf = (t: Tensor) => t.numel() * (BYTES[t.dtype] ?? 4);
const shapeArg = (s: unknown): s is number[] => Array.isArray(s) && s.length > 0 && s.every((d) => Number.isInteger(d) && d > 0);
/** The layers reported: those without children, and any container holding parameters of its own. */
const ownParams = (m: Module): Parameter[] => Object.values(m).filter((v): v is Parameter => v instanceof Parameter);
const mb = (b: number) => (b / 1e6).toFixed(2);
const count = (n: number) => n.toLocaleString('en-US');

/**
 * Runs `model` once (eval mode, no grad) on zeros of `inputShape` (batch dimension included, as
 * torchinfo's input_size) and tabulates every leaf layer in call order.
 * ```ts
 * console.log(train.summary(model, [1, 1, 28, 28]).text);
 * ```
 */
export function summary(model: Module, inputShape: number[] | number[][], o: { dtype?: DType } = {}): Summary {
  if (!(model instanceof Module)) throw new Error(`summary: model must be a Module, got ${showValue(model)}`);
  const shapes = shapeArg(inputShape) ? [inputShape] : Array.isArray(inputShape) && inputShape.length > 0 && inputShape.every(shapeArg) ? (inputShape as number[][]) : null;
  if (!shapes) throw new Error(`summary: inputShape must be a shape of positive integers (batch first), or a list of them, got ${showValue(inputShape)}`);
  const names = new Map<Module, string>(model.namedModules().map(([n, m]) => [m, n]));
  const reported = [...names.keys()].filter((m) => m.children().length === 0 || ownParams(m).length > 0);
  const rows: SummaryRow[] = [];
  let outBytes = 0;
  // wrap each reported layer's forward on the instance (an own property, deleted after) to see its output
  const patched: Module[] = [];
  for (const m of reported) {
    const orig = m.forward;
    const depth = (names.get(m) ?? '').split('.').filter(Boolean).length;
    const ps = ownParams(m);
    (m as { forward: (...a: unknown[]) => unknown }).forward = function (this: Module, ...a: unknown[]) {
      const row: SummaryRow = { name: names.get(m) || '(model)', type: m.constructor.name, depth, outputShape: null,
        params: ps.reduce((s, p) => s + p.numel(), 0), trainable: ps.filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0) };
      rows.push(row);  // pushed before the call: rows in call order, a container before its children
      const out = orig.apply(this, a);
      if (out instanceof Tensor) { row.outputShape = [...out.shape]; outBytes += bytesOf(out); }
      return out;
    };
    patched.push(m);
  }
  const was = model.training;
  const dtype = o.dtype ?? 'float32';
  try {
    model.eval();
    noGrad(() => tidy(() => { model.forward(...shapes.map((s) => zeros(s, { dtype }))); }));
  } catch (e) {
    throw new Error(`summary: the forward pass on zeros of [${shapes.map((s) => s.join(', ')).join('], [')}] failed: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const m of patched) delete (m as { forward?: unknown }).forward;
    model.train(was);
  }
  const params = [...new Set(model.parameters())];
  const totalParams = params.reduce((s, p) => s + p.numel(), 0);
  const trainableParams = params.filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0);
  const inputBytes = shapes.reduce((s, sh) => s + sh.reduce((a, d) => a * d, 1) * (BYTES[dtype] ?? 4), 0);
  const paramBytes = params.reduce((s, p) => s + bytesOf(p), 0);
  const forwardBackwardBytes = 2 * outBytes;
  const totalBytes = inputBytes + forwardBackwardBytes + paramBytes;
  const anyFrozen = trainableParams < totalParams;
  // loaded on first use: the table package costs every `require('myelin')` nothing until a summary is drawn
  const Table = require('cli-table3') as typeof TableType;  // eslint-disable-line @typescript-eslint/no-require-imports
  const table = new Table({ head: ['Layer (type)', 'Output Shape', 'Param #', ...(anyFrozen ? ['Trainable'] : [])], style: { head: [], border: [] },
    colAligns: ['left', 'left', 'right', ...(anyFrozen ? ['left' as const] : [])] });
  for (const r of rows) {
    table.push([`${'  '.repeat(Math.max(r.depth - 1, 0))}${r.name} (${r.type})`, r.outputShape ? `[${r.outputShape.join(', ')}]` : '--', count(r.params),
      ...(anyFrozen ? [r.params === 0 ? '--' : r.trainable === r.params ? 'True' : r.trainable === 0 ? 'False' : 'Partial'] : [])]);
  }
  const text = [table.toString(),
    `Total params: ${count(totalParams)}`, `Trainable params: ${count(trainableParams)}`, `Non-trainable params: ${count(totalParams - trainableParams)}`,
    `Input size (MB): ${mb(inputBytes)}`, `Forward/backward pass size (MB): ${mb(forwardBackwardBytes)}`, `Params size (MB): ${mb(paramBytes)}`,
    `Estimated Total Size (MB): ${mb(totalBytes)}`].join('\n');
  return { rows, totalParams, trainableParams, frozenParams: totalParams - trainableParams, inputBytes, forwardBackwardBytes, paramBytes, totalBytes, text, toString: () => text };
}
