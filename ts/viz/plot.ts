// Plots as SVG and PNG: vega-lite specs compiled by vega-lite, rendered headless by vega's View
// (SVG, no canvas needed) and rasterized by @resvg/resvg-js. Loss/metric curves, learning rate,
// a confusion matrix and a grid of sample predictions; plotRun renders a run directory's log.
import * as fs from 'fs';
import * as path from 'path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { showValue } from '../args';
import { encodePng } from './tensorboard';
import type { Tensor } from '../tensor';

export type Row = Record<string, number>;
export interface Rendered { svg: string; png: Buffer }

/** Renders a vega-lite spec to SVG (vega's headless view) and PNG (resvg, at `scale`x). */
export async function renderSpec(spec: vl.TopLevelSpec, scale = 2): Promise<Rendered> {
  const runtime = vega.parse(vl.compile(spec).spec);
  const view = new vega.View(runtime, { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return { svg, png };
}

const rowsArg = (op: string, rows: unknown): Row[] => {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error(`${op}: rows must be a non-empty array of objects, got ${showValue(rows)}`);
  return rows as Row[];
};

/**
 * Curves of the given columns against `x` (default 'epoch'), one colored line per column:
 * loss and metric histories (train and validation side by side).
 */
export function curvesSpec(rows: Row[], columns: string[], o: { x?: string; title?: string; logY?: boolean } = {}): vl.TopLevelSpec {
  rowsArg('curvesSpec', rows);
  const x = o.x ?? 'epoch';
  if (!Array.isArray(columns) || columns.length === 0) throw new Error(`curvesSpec: columns must name at least one column, got ${showValue(columns)}`);
  for (const c of [x, ...columns]) if (!rows.some((r) => typeof r[c] === 'number')) throw new Error(`curvesSpec: no row has a numeric '${c}' (columns: ${Object.keys(rows[0]).join(', ')})`);
  const values = rows.flatMap((r) => columns.filter((c) => Number.isFinite(r[c])).map((c) => ({ x: r[x], series: c, value: r[c] })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title: o.title ?? columns.join(', '), width: 420, height: 260,
    background: 'white', data: { values },
    mark: { type: 'line', point: rows.length <= 50 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x },
      y: { field: 'value', type: 'quantitative', title: null, scale: o.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** A confusion matrix heatmap: rows are true classes, columns predictions, counts written in the cells. */
export function confusionMatrixSpec(matrix: number[][], labels?: string[]): vl.TopLevelSpec {
  const k = Array.isArray(matrix) ? matrix.length : 0;
  if (k === 0 || !matrix.every((r) => Array.isArray(r) && r.length === k && r.every((v) => Number.isFinite(v))))
    throw new Error(`confusionMatrixSpec: matrix must be a square array of finite counts, got ${showValue(matrix)}`);
  const names = labels ?? matrix.map((_, i) => String(i));
  if (names.length !== k) throw new Error(`confusionMatrixSpec: ${names.length} labels for a ${k}x${k} matrix`);
  const values = matrix.flatMap((r, i) => r.map((count, j) => ({ actual: names[i], predicted: names[j], count })));
  const max = Math.max(...values.map((v) => v.count));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title: 'confusion matrix', width: 28 * k, height: 28 * k,
    background: 'white', data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: names }, y: { field: 'actual', type: 'ordinal', sort: names },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } } },
      { mark: { type: 'text', fontSize: 9 }, encoding: {
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' } } },
    ],
  };
}

/** A grid of sample images ([N, C, H, W] or [N, H, W] in [0, 1]) titled "pred (true)", wrong ones in red. */
export function sampleGridSpec(images: Tensor, predicted: number[], actual?: number[], o: { columns?: number; size?: number } = {}): vl.TopLevelSpec {
  const s = images?.shape;
  if (!s || (s.length !== 3 && s.length !== 4)) throw new Error(`sampleGridSpec: images must be a Tensor [N, C, H, W] or [N, H, W], got ${showValue(images)}`);
  const n = s[0];
  if (!Array.isArray(predicted) || predicted.length !== n) throw new Error(`sampleGridSpec: predicted must hold one label per image (${n}), got ${showValue(predicted)}`);
  if (actual !== undefined && (!Array.isArray(actual) || actual.length !== n)) throw new Error(`sampleGridSpec: actual must hold one label per image (${n}), got ${showValue(actual)}`);
  const cols = o.columns ?? Math.min(n, 8), size = o.size ?? 56;
  const values = Array.from({ length: n }, (_, i) => {
    const png = encodePng('sampleGridSpec', images.select(0, i)).png;
    return {
      col: i % cols, row: Math.floor(i / cols), url: `data:image/png;base64,${png.toString('base64')}`,
      label: actual ? `${predicted[i]} (${actual[i]})` : String(predicted[i]), wrong: actual ? predicted[i] !== actual[i] : false,
    };
  });
  const rows = Math.ceil(n / cols);
  const axis = (count: number) => ({ type: 'quantitative' as const, axis: null, scale: { domain: [-0.5, count - 0.5] } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title: actual ? 'predicted (true)' : 'predicted',
    width: cols * (size + 8), height: rows * (size + 22), background: 'white', data: { values },
    encoding: { x: { field: 'col', ...axis(cols) }, y: { field: 'row', ...axis(rows), scale: { domain: [rows - 0.5, -0.5] } } },
    layer: [
      { mark: { type: 'image', width: size, height: size } , encoding: { url: { field: 'url', type: 'nominal' } } },
      { mark: { type: 'text', dy: size / 2 + 9, fontSize: 12 }, encoding: {
        text: { field: 'label', type: 'nominal' },
        color: { condition: { test: 'datum.wrong', value: '#c00' }, value: 'black' } } },
    ],
    config: { view: { stroke: null } },
  };
}

/** A run log's rows: a CSV with a header line (CSVLogger's) or JSON lines (the dashboard's metrics.jsonl). */
export function readLog(file: string): Row[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new Error(`plot: cannot read ${file}: ${(e as Error).message}`); }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`plot: ${file} is empty`);
  if (file.endsWith('.jsonl')) {
    return lines.map((l, i) => {
      try { return JSON.parse(l) as Row; } catch { throw new Error(`plot: ${file} line ${i + 1} is not JSON: ${l.slice(0, 60)}`); }
    });
  }
  const head = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], Number(v)])));
}

/**
 * Renders a run directory's logs (every *.csv and *.jsonl in it) to SVG and PNG files beside them:
 * `<log>.loss.svg/png` (the columns holding 'loss'), `<log>.metrics.*` (the other metrics), `<log>.lr.*`
 * (a learning-rate column). Per-batch JSONL rows (with a 'step' and no 'epoch') plot against step.
 * Returns the files written.
 */
export async function plotRun(runDir: string): Promise<string[]> {
  let entries: string[];
  try { entries = fs.readdirSync(runDir); } catch (e) { throw new Error(`plot: cannot read run directory ${runDir}: ${(e as Error).message}`); }
  const logs = entries.filter((f) => f.endsWith('.csv') || f.endsWith('.jsonl')).sort();
  if (logs.length === 0) throw new Error(`plot: ${runDir} holds no .csv or .jsonl log`);
  const written: string[] = [];
  for (const log of logs) {
    const rows = readLog(path.join(runDir, log));
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'number')))];
    const x = cols.includes('epoch') ? 'epoch' : cols.includes('step') ? 'step' : null;
    if (!x) throw new Error(`plot: ${log} has no 'epoch' or 'step' column (columns: ${cols.join(', ')})`);
    const skip = new Set([x, 'epoch', 'step', 'seconds', 'time', 'samplesPerSecond', 'rate']);
    const lr = cols.filter((c) => /^(lr|learning_?rate)$/i.test(c));
    const loss = cols.filter((c) => !skip.has(c) && !lr.includes(c) && /loss/i.test(c));
    const metrics = cols.filter((c) => !skip.has(c) && !lr.includes(c) && !loss.includes(c));
    const base = path.join(runDir, log.replace(/\.(csv|jsonl)$/, ''));
    for (const [name, c] of [['loss', loss], ['metrics', metrics], ['lr', lr]] as const) {
      if (c.length === 0) continue;
      const r = await renderSpec(curvesSpec(rows, [...c], { x, title: `${log}: ${name}`, logY: name === 'lr' }));
      fs.writeFileSync(`${base}.${name}.svg`, r.svg);
      fs.writeFileSync(`${base}.${name}.png`, r.png);
      written.push(`${base}.${name}.svg`, `${base}.${name}.png`);
    }
  }
  return written;
}
