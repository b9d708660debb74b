// PyTorch-style printing: a shared element width, 4 decimals (or scientific when the
// magnitudes span too much), and summaries with '...' past 1000 elements.
// NOTE: only the elements shown are read back from native memory: a summarized tensor's
// corners (edge items along each long dim) are cut natively first, so printing a tensor of
// 3e7 elements reads 6^ndim of them at most (reading them all once threw RangeError, took
// seconds, and ran a small heap out of memory).
import { native, type Handle } from './binding';
import type { Tensor } from './tensor';

const THRESHOLD = 1000;
const EDGE = 3;

/** @internal How many elements printing has read back from native memory (tests assert it stays small). */
export const printStats = { elementsRead: 0 };

type Value = number | bigint;

function formatter(values: ArrayLike<Value>, dtype: string): (v: Value) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32' || dtype === 'int64' || dtype === 'int8' || dtype === 'uint8') return (v) => String(v);  // bigint for int64: exact past 2^53
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  // one pass, no spread: Math.max(...values) overflows the stack past ~1e5 arguments
  let anyFinite = false, ints = true, max = 0, min = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    anyFinite = true;
    if (ints && !Number.isInteger(v)) ints = false;
    const a = Math.abs(v);
    if (a > max) max = a;
    if (a > 0 && a < min) min = a;
  }
  if (min === Infinity) min = 0;
  const fixed = (d: number) => (v: Value) => (Number.isFinite(v) ? (v as number).toFixed(d) : special(v as number));
  if (!anyFinite) return fixed(4);
  const sci = (v: Value) => {
    const x = v as number;
    if (!Number.isFinite(x)) return special(x);
    const [m, e] = x.toExponential(4).split('e');
    const ex = Number(e);
    return `${m}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
  };
  const wide = max / Math.max(min, Number.MIN_VALUE) > 1000 || max > 1e8;
  if (ints) return wide ? sci : (v) => (Number.isFinite(v) ? `${(v as number).toFixed(0)}.` : special(v as number));
  if (wide || (min < 1e-4 && min > 0)) return sci;
  return fixed(4);
}

/**
 * The elements printing shows, as a contiguous copy: along each dim longer than 2 * EDGE of a
 * summarized tensor, its first and last EDGE entries (torch's get_summarized_data). Views
 * narrow every dim first, so the cats copy only what is shown.
 */
function shownData(t: Tensor, summarize: boolean): { data: ArrayLike<Value>; shape: number[] } {
  const shape = [...t.shape];
  const owned: Handle[] = [];
  const corners = (h: Handle, d: number): Handle => {
    if (d === shape.length) return h;
    const n = shape[d];
    if (!summarize || n <= 2 * EDGE) return corners(h, d + 1);
    const lo = native.narrow(h, d, 0, EDGE), hi = native.narrow(h, d, n - EDGE, EDGE);
    owned.push(lo, hi);
    const parts = [corners(lo, d + 1), corners(hi, d + 1)];
    const joined = native.cat(parts, d);
    owned.push(joined);
    return joined;
  };
  try {
    let h = corners(t._h, 0);
    // float16/bfloat16 come back as raw bits: widen the shown corners (exact) first
    if (t.dtype === 'float16' || t.dtype === 'bfloat16') owned.push((h = native.to_dtype(h, 'float32')));
    const data = native.to_array(h) as ArrayLike<Value>;
    printStats.elementsRead += data.length;
    return { data, shape: shape.map((n) => (summarize && n > 2 * EDGE ? 2 * EDGE : n)) };
  } finally {
    for (const h of owned) native.dispose(h);
  }
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const shape = [...t.shape];
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > THRESHOLD;
  const { data, shape: dshape } = numel === 0 ? { data: [] as Value[], shape } : shownData(t, summarize);
  const strides: number[] = [];
  let acc = 1;
  for (let i = dshape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= dshape[i]; }
  // indices (into the shown data) along each dim, -1 where '...' stands
  const shown = (d: number): number[] => {
    const n = dshape[d];
    return summarize && shape[d] > 2 * EDGE ? [0, 1, 2, -1, 3, 4, 5] : [...Array(n).keys()];
  };
  const fmt = formatter(data, t.dtype);
  let width = 1;
  for (let i = 0; i < data.length; i++) width = Math.max(width, fmt(data[i]).length);
  const indent = 'tensor('.length;
  const render = (d: number, base: number): string => {
    if (d === shape.length) return fmt(data[base]).padStart(width);
    const parts = shown(d).map((i) => (i < 0 ? (d === shape.length - 1 ? ' ...' : '...') : render(d + 1, base + i * strides[d])));
    if (d === shape.length - 1) {
      // wrap rows at 80 columns, as torch's linewidth
      const perLine = Math.max(1, Math.floor((80 - indent - d) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + d + 1))}]`;
    }
    const sep = ',' + '\n'.repeat(shape.length - 1 - d) + ' '.repeat(indent + d + 1);
    return `[${parts.join(sep)}]`;
  };
  let body: string;
  if (shape.length === 0) body = fmt(data[0]);
  else if (numel === 0) body = '[]';
  else body = render(0, 0);
  const extras: string[] = [];
  if (numel === 0 && shape.length > 1) extras.push(`size=(${shape.join(', ')})`);
  // as torch: every dtype but the defaults (float32, int64, bool) is named
  if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
