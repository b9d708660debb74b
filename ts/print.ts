// PyTorch-style printing: a shared element width, 4 decimals (or scientific when the
// magnitudes span too much), and summaries with '...' past 1000 elements.
import type { Tensor } from './tensor';

const THRESHOLD = 1000;
const EDGE = 3;

function formatter(values: number[], dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32' || dtype === 'int64') return (v) => String(v);
  const finite = values.filter((v) => Number.isFinite(v));
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (finite.length === 0) return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
  const abs = finite.map(Math.abs);
  const max = Math.max(...abs);
  const nonzero = abs.filter((v) => v > 0);
  const min = nonzero.length ? Math.min(...nonzero) : 0;
  const ints = finite.every((v) => Number.isInteger(v));
  const sci = (v: number) => {
    const [m, e] = v.toExponential(4).split('e');
    const ex = Number(e);
    return `${m}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
  };
  if (ints) {
    if (max / Math.max(min, Number.MIN_VALUE) > 1000 || max > 1e8) return (v) => (Number.isFinite(v) ? sci(v) : special(v));
    return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  }
  if (max / Math.max(min, Number.MIN_VALUE) > 1000 || max > 1e8 || (min < 1e-4 && min > 0))
    return (v) => (Number.isFinite(v) ? sci(v) : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const shape = [...t.shape];
  const flat = Array.from(t.data() as ArrayLike<number | bigint>, Number);
  const summarize = flat.length > THRESHOLD;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= shape[i]; }
  // indices shown along each dim
  const shown = (n: number) => (summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()]);
  const visible: number[] = [];
  const gather = (d: number, base: number) => {
    if (d === shape.length) { visible.push(flat[base]); return; }
    for (const i of shown(shape[d])) if (i >= 0) gather(d + 1, base + i * strides[d]);
  };
  gather(0, 0);
  const fmt = formatter(visible, t.dtype);
  const width = Math.max(1, ...visible.map((v) => fmt(v).length));
  const indent = 'tensor('.length;
  const render = (d: number, base: number): string => {
    if (d === shape.length) return fmt(flat[base]).padStart(width);
    const parts = shown(shape[d]).map((i) => (i < 0 ? (d === shape.length - 1 ? ' ...' : '...') : render(d + 1, base + i * strides[d])));
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
  if (shape.length === 0) body = fmt(flat[0]);
  else if (flat.length === 0) body = '[]';
  else body = render(0, 0);
  const extras: string[] = [];
  if (flat.length === 0 && shape.length > 1) extras.push(`size=(${shape.join(', ')})`);
  if (t.dtype === 'float64' || t.dtype === 'int32') extras.push(`dtype=${t.dtype}`);
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
