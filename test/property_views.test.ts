// Property-based test (fast-check) of views and in-place writes: random programs of view ops
// (slice with steps, select, narrow, transpose, permute, expand, unsqueeze, squeeze, reshape,
// asStrided) and in-place ops (fill_, zero_, add_, mul_, copy_) on a tensor and its views,
// checked element by element after every step against a reference model of strided storage
// written here: a Float64Array, shape, strides and offset per view, nothing from myelin.
//
// The model's rules are torch's (issue 14, item 5):
//  - a write through a view with internal overlap (a stride-0 dim of size > 1) throws, except
//    fill_/zero_, which torch allows because filling is idempotent;
//  - a write whose source shares memory with the destination at another layout gives the result
//    of computing into a temporary first (x.add_(x.T) adds the old x.T);
//  - reshape is a view exactly when torch's stride computation finds one (else a copy).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as m from '../ts/index';

// ---------------------------------------------------------------- the reference model
interface Store { data: Float64Array }
class Ref {
  constructor(readonly store: Store, readonly shape: number[], readonly strides: number[], readonly offset: number) {}
  get ndim() { return this.shape.length; }
  get numel() { return this.shape.reduce((a, b) => a * b, 1); }
  /** Storage positions of the elements in row-major order. */
  positions(): number[] {
    const out: number[] = [];
    const walk = (d: number, at: number) => {
      if (d === this.ndim) { out.push(at); return; }
      for (let i = 0; i < this.shape[d]; i++) walk(d + 1, at + i * this.strides[d]);
    };
    if (this.numel > 0) walk(0, this.offset);
    return out;
  }
  values(): number[] { return this.positions().map((p) => this.store.data[p]); }
  internalOverlap(): boolean { return this.shape.some((s, i) => s > 1 && this.strides[i] === 0); }
  with(shape: number[], strides: number[], offset = this.offset) { return new Ref(this.store, shape, strides, offset); }
}
const contiguousStrides = (shape: number[]) => {
  const st = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * Math.max(shape[i + 1], 1);
  return st;
};
/** torch's computeStride (aten/src/ATen/TensorUtils.cpp): the strides of a view of `shape`, or null. */
function viewStrides(oldShape: number[], oldStrides: number[], shape: number[]): number[] | null {
  const numel = oldShape.reduce((a, b) => a * b, 1);
  if (numel === 0) return oldShape.join() === shape.join() ? oldStrides : contiguousStrides(shape);
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1, chunkBase = oldStrides[oldStrides.length - 1] ?? 1, tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = oldStrides[d - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  return viewD === -1 ? out : null;
}
const f32 = Math.fround;

// ---------------------------------------------------------------- programs
type Step = [number, number, number, number, number, number];
const step = fc.tuple(fc.nat(15), fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.integer({ min: -3, max: 3 }));
const program = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(step, { minLength: 1, maxLength: 14 }),
});
interface Entry { t: m.Tensor; ref: Ref; how: string }
const broadcastsTo = (from: number[], to: number[]) =>
  from.length <= to.length && from.every((s, i) => s === 1 || s === to[to.length - from.length + i]);
/** The model of `other` broadcast to `shape` (a view with stride 0 in the broadcast dims). */
function broadcastRef(o: Ref, shape: number[]): Ref {
  const lead = shape.length - o.ndim;
  return o.with(shape, shape.map((s, i) => (i < lead || o.shape[i - lead] !== s ? 0 : o.strides[i - lead])));
}

/** Runs one program; returns null when myelin agreed with the model at every step, else what differed. */
function execute(shape: number[], steps: Step[]): string | null {
  const n = shape.reduce((a, b) => a * b, 1);
  const init = Float64Array.from({ length: n }, (_, i) => i + 1);
  const base: Entry = { t: m.tensor(Float32Array.from(init), { shape }), ref: new Ref({ data: init.slice() }, shape, contiguousStrides(shape), 0), how: `base [${shape}]` };
  const pool: Entry[] = [base];
  const log: string[] = [base.how];
  for (const [kind, a, b, c, d, e] of steps) {
    const src = pool[a % pool.length];
    const { ref: r, t } = src;
    const nd = r.ndim;
    const dimOf = (x: number) => x % nd;
    let made: { t: () => m.Tensor; ref: Ref | null; how: string } | null = null;
    let write: { how: string; run: () => void; idempotent: boolean; other: Ref | null; f: (old: number, o: number) => number } | null = null;
    switch (kind) {
      case 0: { // slice(dim, start, end, step)
        if (!nd) break;
        const dim = dimOf(b), size = r.shape[dim], start = c % (size + 1), end = start + (d % (size - start + 1)), st = 1 + (Math.abs(e) % 3);
        const len = Math.max(0, Math.ceil((end - start) / st));
        const sh = [...r.shape], strd = [...r.strides];
        sh[dim] = len; strd[dim] *= st;
        made = { t: () => t.slice(dim, start, end, st), ref: r.with(sh, strd, r.offset + start * r.strides[dim]), how: `slice(${dim}, ${start}, ${end}, ${st})` };
        break;
      }
      case 1: { // select(dim, i)
        if (!nd) break;
        const dim = dimOf(b);
        if (r.shape[dim] === 0) break;
        const i = c % r.shape[dim];
        made = { t: () => t.select(dim, i), ref: r.with(r.shape.filter((_, k) => k !== dim), r.strides.filter((_, k) => k !== dim), r.offset + i * r.strides[dim]), how: `select(${dim}, ${i})` };
        break;
      }
      case 2: { // narrow(dim, start, length)
        if (!nd) break;
        const dim = dimOf(b), size = r.shape[dim], start = c % (size + 1), len = d % (size - start + 1);
        const sh = [...r.shape]; sh[dim] = len;
        made = { t: () => t.narrow(dim, start, len), ref: r.with(sh, r.strides, r.offset + start * r.strides[dim]), how: `narrow(${dim}, ${start}, ${len})` };
        break;
      }
      case 3: { // transpose
        if (nd < 2) break;
        const d0 = dimOf(b), d1 = dimOf(c);
        const sh = [...r.shape], strd = [...r.strides];
        [sh[d0], sh[d1]] = [sh[d1], sh[d0]]; [strd[d0], strd[d1]] = [strd[d1], strd[d0]];
        made = { t: () => t.transpose(d0, d1), ref: r.with(sh, strd), how: `transpose(${d0}, ${d1})` };
        break;
      }
      case 4: { // permute
        const perm = [...Array(nd).keys()];
        for (let i = nd - 1, s = b; i > 0; i--, s = Math.floor(s / 3) + c) { const j = s % (i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
        made = { t: () => t.permute(perm), ref: r.with(perm.map((p) => r.shape[p]), perm.map((p) => r.strides[p])), how: `permute([${perm}])` };
        break;
      }
      case 5: { // expand size-1 dims (and maybe one new leading dim)
        const lead = nd < 4 && b % 2 ? [1 + (c % 3)] : [];
        const sh = [...lead, ...r.shape.map((s, i) => (s === 1 && (d >> i) & 1 ? 2 + (e & 1) : s))];
        made = { t: () => t.expand(sh), ref: broadcastRef(r, sh), how: `expand([${sh}])` };
        break;
      }
      case 6: { // unsqueeze
        const dim = b % (nd + 1);
        const sh = [...r.shape], strd = [...r.strides];
        sh.splice(dim, 0, 1); strd.splice(dim, 0, 1);
        made = { t: () => t.unsqueeze(dim), ref: r.with(sh, strd), how: `unsqueeze(${dim})` };
        break;
      }
      case 7: { // squeeze(dim) of a size-1 dim
        const ones = r.shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0);
        if (!ones.length) break;
        const dim = ones[b % ones.length];
        made = { t: () => t.squeeze(dim), ref: r.with(r.shape.filter((_, k) => k !== dim), r.strides.filter((_, k) => k !== dim)), how: `squeeze(${dim})` };
        break;
      }
      case 8: { // reshape: merge two adjacent dims, or split one into two factors
        let sh: number[];
        if (nd >= 2 && b % 2) { const i = c % (nd - 1); sh = [...r.shape.slice(0, i), r.shape[i] * r.shape[i + 1], ...r.shape.slice(i + 2)]; }
        else {
          if (!nd) break;
          const i = c % nd, s = r.shape[i], fs = [...Array(s + 1).keys()].filter((f) => f > 0 && s % f === 0);
          if (!fs.length) break;
          const f = fs[d % fs.length];
          sh = [...r.shape.slice(0, i), f, s / f, ...r.shape.slice(i + 1)];
        }
        const vs = viewStrides(r.shape, r.strides, sh);
        const ref = vs ? r.with(sh, vs) : new Ref({ data: Float64Array.from(r.values()) }, sh, contiguousStrides(sh), 0);
        made = { t: () => t.reshape(sh), ref, how: `reshape([${sh}]) (${vs ? 'view' : 'copy'})` };
        break;
      }
      case 9: { // asStrided within the storage, one-to-one: a permuted contiguous layout, spread by k
        const sh = r.shape.length ? r.shape.map((s) => Math.max(1, Math.min(s, 3))) : [1];
        const perm = sh.map((_, i) => i).sort((x, y) => ((x * 7 + b) % 5) - ((y * 7 + b) % 5));
        const cs = contiguousStrides(perm.map((p) => sh[p])), k = 1 + (c % 2);
        const strd = sh.map((_, i) => cs[perm.indexOf(i)] * k);
        const extent = sh.reduce((acc, s, i) => acc + (s - 1) * strd[i], 0);
        const room = r.store.data.length - 1 - extent;
        if (room < 0) break;
        const off = d % (room + 1);
        made = { t: () => t.asStrided(sh, strd, off), ref: r.with(sh, strd, off), how: `asStrided([${sh}], [${strd}], ${off})` };
        break;
      }
      default: { // in-place writes on src
        const v = e === 0 ? 2 : e;
        const others = pool.filter((o) => broadcastsTo(o.ref.shape, r.shape) && o.ref.numel > 0);
        const o = others.length ? others[c % others.length] : null;
        const op = kind - 10;
        if (op === 0) write = { how: `fill_(${v})`, run: () => t.fill_(v), idempotent: true, other: null, f: () => v };
        else if (op === 1) write = { how: 'zero_()', run: () => t.zero_(), idempotent: true, other: null, f: () => 0 };
        else if (op === 2) write = { how: `add_(${v})`, run: () => t.add_(v), idempotent: false, other: null, f: (x) => x + v };
        else if (op === 3) write = { how: `mul_(${v})`, run: () => t.mul_(v), idempotent: false, other: null, f: (x) => x * v };
        else if (!o) break;
        else if (op === 4) write = { how: `add_(<${o.how}>)`, run: () => t.add_(o.t), idempotent: false, other: o.ref, f: (x, y) => x + y };
        else write = { how: `${d % 2 ? 'mul_' : 'copy_'}(<${o.how}>)`, run: () => (d % 2 ? t.mul_(o.t) : t.copy_(o.t)), idempotent: false, other: o.ref, f: d % 2 ? (x, y) => x * y : (_x, y) => y };
      }
    }
    if (made) {
      let tv: m.Tensor;
      try { tv = made.t(); } catch (err) { return `${log.join(' -> ')} -> ${src.how}.${made.how} threw ${(err as Error).message}`; }
      const how = `${src.how}.${made.how}`;
      if (made.ref && made.ref.store === r.store && !tv.sharesStorageWith(t)) return `${log.join(' -> ')} -> ${how}: a copy where torch gives a view`;
      if (made.ref && made.ref.store !== r.store && tv.sharesStorageWith(t)) return `${log.join(' -> ')} -> ${how}: a view where torch copies`;
      pool.push({ t: tv, ref: made.ref!, how });
      log.push(`v${pool.length - 1} = ${how}`);
    } else if (write) {
      const how = `${src.how}.${write.how}`;
      log.push(how);
      const refuse = r.internalOverlap() && !write.idempotent;
      const before = base.t.data().slice();
      let threw: Error | null = null;
      try { write.run(); } catch (err) { threw = err as Error; }
      if (refuse) {
        if (!threw) return `${log.join(' -> ')}: wrote through a view with internal overlap (torch refuses)`;
        if (!(threw instanceof Error) || !threw.message) return `${log.join(' -> ')}: threw a non-Error`;
        const after = base.t.data();
        if (after.some((x, i) => x !== before[i])) return `${log.join(' -> ')}: threw but changed the storage`;
        continue;
      }
      if (threw) return `${log.join(' -> ')}: threw ${threw.message}`;
      // computing into a temporary first: every read happens before any write
      const pos = r.positions();
      const olds = pos.map((p) => r.store.data[p]);
      const ov = write.other ? broadcastRef(write.other, r.shape).values() : olds.map(() => 0);
      const news = olds.map((x, i) => f32(write!.f(x, ov[i])));
      pos.forEach((p, i) => { r.store.data[p] = news[i]; });
    }
    for (const en of pool) {
      const got = Array.from(en.t.data() as Float32Array), want = en.ref.values();
      if (got.length !== want.length || got.some((x, i) => x !== want[i]))
        return `${log.join(' -> ')}\n  ${en.how}: got [${got.slice(0, 24)}], want [${want.slice(0, 24)}]`;
    }
  }
  return null;
}

describe('views and in-place ops against a reference model of strided storage', () => {
  it('known answers: x.add_(x.T), an expanded view refuses add_ and accepts fill_ (torch)', () => {
    const x = m.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    x.add_(x.T);   // computed from the old x.T: [[1 + 1, 2 + 3], [3 + 2, 4 + 4]]
    expect(x.toArray()).toEqual([[2, 5], [5, 8]]);
    const z = m.zeros(1);
    expect(() => z.expand(3).add_(1)).toThrow(/add/);
    expect(z.item()).toBe(0);
    z.expand(3).fill_(7);
    expect(z.item()).toBe(7);
    // the same program through the model: transpose, then base.add_(<transpose>)
    expect(execute([2, 2], [[3, 0, 0, 1, 0, 0], [14, 0, 0, 1, 0, 0]])).toBe(null);
  });

  it('random programs of views and in-place writes match the model element by element', () => {
    fc.assert(fc.property(program, ({ shape, steps }) => {
      const err = m.tidy(() => execute(shape, steps));
      if (err) throw new Error(err);
    }), { seed: Number(process.env.PROPERTY_SEED ?? 14), numRuns: Number(process.env.PROPERTY_RUNS ?? 400) });
  });
});
