// Plots: the SVG's line vertices sit where the logged values put them (scaled back from pixel
// coordinates), the PNG rasterizes the SVG at 2x, the confusion matrix's darkest cell is its
// largest count, the sample grid labels wrong predictions; `myelin plot RUN_DIR` writes the files;
// bad input throws, named.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { rand } from '../ts/creation';
import { renderSpec, curvesSpec, confusionMatrixSpec, sampleGridSpec, plotRun, readLog } from '../ts/viz/plot';
import { main } from '../ts/cli';

const ROWS = [{ epoch: 1, loss: 0.9, val_loss: 0.8 }, { epoch: 2, loss: 0.5, val_loss: 0.55 }, { epoch: 3, loss: 0.3, val_loss: 0.4 }];
/** The vertices of each line mark path ("M x,y L x,y ...") in an SVG. */
const lines = (svg: string) => [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*d="([^"]+)"/g)].map((m) =>
  [...m[1].matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])]));

describe('plots', () => {
  it('curves: vertices are the logged values under the axes\' linear maps', async () => {
    const { svg, png } = await renderSpec(curvesSpec(ROWS, ['loss', 'val_loss']));
    const ls = lines(svg);
    expect(ls.length).toBe(2);
    const all = [...ls[0], ...ls[1]];
    // x: epoch 1 -> 0 and epoch 3 -> width 420; y: linear with loss (zero: false scale, niced)
    expect(ls[0].map((p) => p[0])).toEqual([0, 210, 420]);
    const pts = ls.flatMap((l, i) => l.map((p, k) => [p[1], i === 0 ? ROWS[k].loss : ROWS[k].val_loss]));
    const [y0, v0] = pts[0], [y1, v1] = pts[2];
    const slope = (y1 - y0) / (v1 - v0);
    for (const [y, v] of pts) expect(y).toBeCloseTo(y0 + slope * (v - v0), 1);
    expect(slope).toBeLessThan(0);  // larger loss is higher on the page
    expect(all.length).toBe(6);
    const img = PNG.sync.read(png);
    const m = svg.match(/<svg[^>]*width="(\d+)" height="(\d+)"/)!;
    expect([img.width, img.height]).toEqual([2 * Number(m[1]), 2 * Number(m[2])]);
  });

  it('confusion matrix: counts in cells, the largest darkest', async () => {
    const cm = [[50, 2, 0], [3, 40, 1], [0, 5, 60]];
    const { svg, png } = await renderSpec(confusionMatrixSpec(cm, ['a', 'b', 'c']), 1);
    for (const v of cm.flat()) expect(svg).toContain(`>${v}</text>`);
    const rects = [...svg.matchAll(/<path[^>]*aria-label="predicted: (\w); actual: (\w); count: (\d+)"[^>]*fill="([^"]+)"/g)];
    expect(rects.length).toBe(9);
    const lum = (c: string) => c.match(/\d+/g)!.slice(0, 3).reduce((a, v) => a + Number(v), 0);  // fill="rgb(r, g, b)"
    const darkest = rects.reduce((a, r) => (lum(r[4]) < lum(a[4]) ? r : a));
    expect(Number(darkest[3])).toBe(60);
    const byCount = [...rects].sort((a, b) => Number(a[3]) - Number(b[3]));
    for (let k = 1; k < byCount.length; k++) expect(lum(byCount[k][4])).toBeLessThanOrEqual(lum(byCount[k - 1][4]));  // more is darker
    expect(PNG.sync.read(png).width).toBeGreaterThan(84);
  });

  it('sample grid: one image per sample, wrong predictions in red', async () => {
    const { svg } = await renderSpec(sampleGridSpec(rand([4, 1, 8, 8]), [1, 2, 3, 4], [1, 2, 0, 4], { columns: 2 }), 1);
    expect((svg.match(/<image /g) ?? []).length).toBe(4);
    expect(svg).toMatch(/fill="#c00"[^>]*>3 \(0\)<\/text>|3 \(0\)/);
    expect((svg.match(/fill="#c00"/g) ?? []).length).toBe(1);
  });

  it('myelin plot RUN_DIR renders a CSV and a JSONL log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-plot-'));
    writeFileSync(join(dir, 'log.csv'), 'epoch,loss,acc,val_loss,val_acc,lr\n1,0.9,0.7,0.8,0.75,0.001\n2,0.5,0.85,0.55,0.83,0.0008\n');
    writeFileSync(join(dir, 'metrics.jsonl'), ROWS.map((r) => JSON.stringify({ ...r, step: r.epoch * 10, lr: 0.1 / r.epoch })).join('\n'));
    expect(readLog(join(dir, 'log.csv'))[1]).toEqual({ epoch: 2, loss: 0.5, acc: 0.85, val_loss: 0.55, val_acc: 0.83, lr: 0.0008 });
    const out: string[] = [];
    expect(await main(['node', 'myelin', 'plot', dir], (s) => out.push(s))).toBe(0);
    for (const f of ['log.loss.svg', 'log.metrics.png', 'log.lr.png', 'metrics.loss.png', 'metrics.lr.svg']) expect(existsSync(join(dir, f))).toBe(true);
    expect(out.length).toBe(10);
    expect(lines(readFileSync(join(dir, 'log.metrics.svg'), 'utf8')).length).toBe(2);  // acc and val_acc
  });

  it('bad input throws, named', async () => {
    expect(() => curvesSpec([], ['loss'])).toThrow(/curvesSpec: rows must be a non-empty array/);
    expect(() => curvesSpec(ROWS, ['nope'])).toThrow(/curvesSpec: no row has a numeric 'nope'/);
    expect(() => confusionMatrixSpec([[1, 2]])).toThrow(/confusionMatrixSpec: matrix must be a square array/);
    expect(() => confusionMatrixSpec([[1]], ['a', 'b'])).toThrow(/2 labels for a 1x1 matrix/);
    expect(() => sampleGridSpec(rand([2, 1, 4, 4]), [1])).toThrow(/predicted must hold one label per image \(2\)/);
    await expect(plotRun('/nonexistent-run')).rejects.toThrow(/plot: cannot read run directory \/nonexistent-run/);
    const dir = mkdtempSync(join(tmpdir(), 'myelin-plot-'));
    await expect(plotRun(dir)).rejects.toThrow(/holds no .csv or .jsonl log/);
    writeFileSync(join(dir, 'x.jsonl'), '{"epoch":1}\nnot json\n');
    await expect(plotRun(dir)).rejects.toThrow(/x.jsonl line 2 is not JSON/);
    const out: string[] = [];
    expect(await main(['node', 'myelin', 'plot', dir], (s) => out.push(s))).toBe(1);
    expect(out[0]).toMatch(/myelin: plot: .*line 2 is not JSON/);
  });
});
