// Image grids as torchvision.utils.make_grid / save_image: a batch of images laid out in rows
// with padding, optionally min-max normalized, written as an 8-bit RGB PNG (pngjs).
// The layout is computed in JS on the pixels (no autograd, no device work): a grid is output.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { Tensor } from '../tensor';
import { tensor } from '../creation';

export interface ImageGridOptions {
  /** Images per row (torchvision's nrow; default 8). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** Shift each value range to [0, 1] by its min and max (or by valueRange). */
  normalize?: boolean;
  /** [low, high] used by normalize instead of the data's min and max; values are clamped to it. */
  valueRange?: [number, number];
  /** normalize each image by its own min and max. */
  scaleEach?: boolean;
  /** The value of padding pixels (in the output's [0, 1] scale; default 0). */
  padValue?: number;
}

const f = Math.fround;

function intArg(what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`saveImageGrid: ${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Checks the batch and returns its shape as [N, C, H, W] with its values as float32. */
function pixelsOf(x: unknown): { n: number; c: number; h: number; w: number; v: Float32Array } {
  if (!(x instanceof Tensor)) throw new Error(`saveImageGrid: images must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new Error('saveImageGrid: images is a disposed tensor');
  if (!x.isFloatingPoint()) throw new Error(`saveImageGrid: images must be floating point, got ${x.dtype}`);
  const s = x.ndim === 3 ? [1, ...x.shape] : x.shape;
  if (s.length !== 4) throw new Error(`saveImageGrid: images must be [N, C, H, W] or [C, H, W], got [${x.shape.join(', ')}]`);
  const [n, c, h, w] = s;
  if (c !== 1 && c !== 3) throw new Error(`saveImageGrid: images must have 1 or 3 channels (dim 1), got ${c} in [${x.shape.join(', ')}]`);
  if (n === 0 || h === 0 || w === 0) throw new Error(`saveImageGrid: images is empty: [${x.shape.join(', ')}]`);
  const d = x.contiguous().to('cpu').float().data() as Float32Array;
  const v = Float32Array.from(d);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`saveImageGrid: images holds ${v[i]} at flat index ${i}; pixels must be finite`);
  return { n, c, h, w, v };
}

/** torchvision's norm_ip: clamp to [low, high], then (v - low) / max(high - low, 1e-5), in float32. */
function normRange(v: Float32Array, from: number, to: number, low: number, high: number): void {
  const lo = f(low), hi = f(high), den = f(Math.max(high - low, 1e-5));
  for (let i = from; i < to; i++) v[i] = f(f(Math.min(Math.max(v[i], lo), hi) - lo) / den);
}

function minMax(v: Float32Array, from: number, to: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = from; i < to; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
  return [lo, hi];
}

/**
 * The grid as a [3 or C, H', W'] float tensor, laid out as torchvision.utils.make_grid: one-channel
 * images become three, a single image is returned without padding, rows of `nrow` images.
 * ```ts
 * const g = utils.makeGrid(samples, { nrow: 8, normalize: true });
 * ```
 */
export function makeGrid(images: Tensor, o: ImageGridOptions = {}): Tensor {
  const g = gridPixels(images, o);
  return tensor(g.v, { shape: [g.c, g.h, g.w] });
}

function gridPixels(images: Tensor, o: ImageGridOptions): { c: number; h: number; w: number; v: Float32Array } {
  if (o === null || typeof o !== 'object') throw new Error(`saveImageGrid: options must be an object, got ${o === null ? 'null' : typeof o}`);
  const nrow = intArg('nrow', o.nrow ?? 8, 1), padding = intArg('padding', o.padding ?? 2, 0);
  const padValue = o.padValue ?? 0;
  if (typeof padValue !== 'number' || !Number.isFinite(padValue)) throw new Error(`saveImageGrid: padValue must be a finite number, got ${String(padValue)}`);
  const vr = o.valueRange;
  if (vr !== undefined && (!Array.isArray(vr) || vr.length !== 2 || !vr.every((e) => typeof e === 'number' && Number.isFinite(e)) || !(vr[0] < vr[1])))
    throw new Error(`saveImageGrid: valueRange must be [low, high] with low < high, got ${JSON.stringify(vr)}`);
  const { n, c: c0, h, w, v: raw } = pixelsOf(images);
  // one channel becomes three (make_grid's torch.cat((t, t, t), 1))
  const c = c0 === 1 ? 3 : c0, plane = h * w;
  let v = raw;
  if (c0 === 1) { v = new Float32Array(n * 3 * plane); for (let k = 0; k < n; k++) for (let ch = 0; ch < 3; ch++) v.set(raw.subarray(k * plane, (k + 1) * plane), (k * 3 + ch) * plane); }
  const img = c * plane;
  if (o.normalize) {
    if (o.scaleEach) for (let k = 0; k < n; k++) { const [lo, hi] = vr ?? minMax(v, k * img, (k + 1) * img); normRange(v, k * img, (k + 1) * img, lo, hi); }
    else { const [lo, hi] = vr ?? minMax(v, 0, v.length); normRange(v, 0, v.length, lo, hi); }
  } else {
    // save_image clamps silently; here a value outside [0, 1] is taken as a forgotten normalize
    for (let i = 0; i < raw.length; i++) if (raw[i] < 0 || raw[i] > 1)
      throw new Error(`saveImageGrid: pixel value ${raw[i]} at flat index ${i} is outside [0, 1]; pass normalize: true (with valueRange for e.g. [-1, 1] images) or scale the images`);
  }
  if (n === 1) return { c, h, w, v };
  const xmaps = Math.min(nrow, n), ymaps = Math.ceil(n / xmaps);
  const H = h + padding, W = w + padding, gh = H * ymaps + padding, gw = W * xmaps + padding;
  const out = new Float32Array(c * gh * gw).fill(padValue);
  for (let k = 0; k < n; k++) {
    const y0 = Math.floor(k / xmaps) * H + padding, x0 = (k % xmaps) * W + padding;
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) {
      const src = (k * c + ch) * plane + i * w;
      out.set(v.subarray(src, src + w), ch * gh * gw + (y0 + i) * gw + x0);
    }
  }
  return { c, h: gh, w: gw, v: out };
}

/**
 * Writes images as one PNG grid, as torchvision.utils.save_image: make_grid's layout, then each
 * value v in [0, 1] becomes the byte floor(clamp(v * 255 + 0.5, 0, 255)). Returns the path.
 * Without normalize, values must lie in [0, 1] (an Error names the first one that does not).
 * ```ts
 * utils.saveImageGrid(samples, 'runs/epoch-1.png', { nrow: 8, normalize: true, valueRange: [-1, 1] });
 * ```
 */
export function saveImageGrid(images: Tensor, path: string, o: ImageGridOptions = {}): string {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`saveImageGrid: path must be a non-empty string, got ${typeof path === 'string' ? "''" : typeof path}`);
  const g = gridPixels(images, o);
  const png = new PNG({ width: g.w, height: g.h });
  const plane = g.h * g.w;
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const val = g.v[ch * plane + p];
      png.data[4 * p + ch] = Math.min(255, Math.max(0, Math.floor(f(f(val * 255) + 0.5))));
    }
    png.data[4 * p + 3] = 255;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png, { colorType: 2 }));
  return path;
}
