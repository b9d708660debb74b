// Fault cases generated from the tables, and how one case runs and is judged (in a child process).
//
// Outcomes: 'ok' (returned a sane result), 'named' (threw an Error naming the function),
// 'named_other' (threw an Error that starts with another op's name, "matmul: ..."): these pass.
// Failures: 'unnamed' (an Error that names nothing: a raw TypeError from deep inside),
// 'non_error' (threw something not an Error), 'accepted' (returned where a throw is required),
// 'insane' (returned a tensor whose data does not match its shape), 'view_mismatch' (a view
// input changed the result), 'base_failed' (the good arguments alone did not work),
// 'unhealthy' (the process computed wrongly afterwards); the parent adds 'crash' and 'hang'.
import type * as M from '../../ts/index';
import { BAD, type Bad } from './bad_values';
import { ROWS, type Row } from './table';

export interface Case { n: number; row: Row; arg: number; bad: Bad | null }
export interface Result { n: number; outcome: string; detail?: string }
export const PASSING = new Set(['ok', 'named', 'named_other']);

let cache: Case[] | null = null;
/** Every case, in a fixed order (the parent and its children enumerate the same list). */
export function allCases(): Case[] {
  if (cache) return cache;
  const out: Case[] = [];
  for (const row of ROWS) {
    out.push({ n: out.length, row, arg: -1, bad: null });
    row.args.forEach((a, i) => {
      for (const b of BAD[a.kind]) {
        // a method's receiver is a Tensor by construction: `'1'.neg()` is not a myelin call
        if (i === 0 && row.id.startsWith('Tensor.') && b.cls === 'wrong_type') continue;
        const lenient = (a.optional && (b.label === 'undefined' || b.label === 'null')) || row.accepts?.includes(b.label);
        out.push({ n: out.length, row, arg: i, bad: lenient ? { ...b, expect: 'either' } : b });
      }
    });
  }
  return (cache = out);
}

/** A one-line reproducer: the function, and which argument got which bad value. */
export function describe(c: Case): string {
  if (!c.bad) return `${c.row.id} with good arguments`;
  return `${c.row.id}: argument ${c.arg} (${c.row.args[c.arg].kind}) = ${c.bad.label} [${c.bad.cls}, must ${c.bad.expect === 'throw' ? 'throw' : 'throw or return'}]`;
}

/** mulberry32: a small seeded PRNG, so a CI sample is the same on every run of one seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** Every case with good arguments plus `count` others drawn without replacement. */
export function sample(count: number, seed: number): number[] {
  const all = allCases();
  const base = all.filter((c) => !c.bad).map((c) => c.n);
  const rest = all.filter((c) => c.bad).map((c) => c.n);
  const r = rng(seed);
  for (let i = 0; i < Math.min(count, rest.length); i++) {
    const j = i + Math.floor(r() * (rest.length - i));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [...base, ...rest.slice(0, count)].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- judging one case (child side)
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function namesFunction(msg: string, names: string[]): boolean {
  return names.some((n) => new RegExp(`(^|[^\\w])${escape(n)}([^\\w]|$)`).test(msg));
}
const OP_PREFIX = /^[A-Za-z_][\w.]*(\([^)]*\))?: /;
/** V8's own messages (a property read on undefined, ...) name nothing even when a word matches. */
const ENGINE = /Cannot read properties|is not a function|is not iterable|Invalid array length|Maximum call stack|Cannot convert|is not defined|Cannot mix BigInt|Invalid typed array length|is not a constructor|Cannot create property|Array buffer allocation failed|Reduce of empty array/;

function tensorsIn(m: typeof M, v: unknown, out: M.Tensor[] = []): M.Tensor[] {
  if (v instanceof m.Tensor) out.push(v);
  else if (Array.isArray(v)) for (const x of v) tensorsIn(m, x, out);
  else if (v && typeof v === 'object' && !(ArrayBuffer.isView(v))) for (const x of Object.values(v)) if (x instanceof m.Tensor || Array.isArray(x)) tensorsIn(m, x, out);
  return out;
}
/** A returned tensor must be readable and hold as many elements as its shape says. */
function insane(m: typeof M, result: unknown): string | null {
  for (const t of tensorsIn(m, result)) {
    if (t.isDisposed) continue;
    const shape = t.shape;
    if (!shape.every((s) => Number.isSafeInteger(s) && s >= 0)) return `shape [${shape.join(', ')}]`;
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > 1e7) return `returned a tensor of ${n} elements`;
    const data = t.data();
    if (data.length !== n) return `shape [${shape.join(', ')}] but ${data.length} elements`;
  }
  return null;
}
function flat(m: typeof M, result: unknown): number[] {
  return tensorsIn(m, result).flatMap((t) => Array.from(t.data() as ArrayLike<number | bigint>, Number));
}
function sameNumbers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => (Number.isNaN(x) && Number.isNaN(b[i])) || x === b[i] || Math.abs(x - b[i]) <= 1e-5 * (1 + Math.abs(b[i])));
}
const contiguous = (m: typeof M, v: unknown): unknown =>
  v instanceof m.Tensor ? v.contiguous() : Array.isArray(v) ? v.map((x) => contiguous(m, x)) : v;
const short = (s: string) => s.split('\n')[0].slice(0, 200);

export function runCase(m: typeof M, c: Case): Result {
  let args: unknown[];
  try {
    args = c.row.args.map((a) => a.good(m));
    if (c.bad) args[c.arg] = c.bad.make(m, args[c.arg]);
  } catch (e) {
    return { n: c.n, outcome: 'table_error', detail: short(String(e)) };   // the table's own mistake
  }
  let result: unknown;
  try {
    m.manualSeed(7);   // modules initialize from the RNG: the view check repeats the call
    result = c.row.call(m, args);
  } catch (e) {
    if (!(e instanceof Error)) return { n: c.n, outcome: 'non_error', detail: short(String(e)) };
    const detail = short(`${e.constructor.name}: ${e.message}`);
    if (!c.bad) return { n: c.n, outcome: 'base_failed', detail };
    if (ENGINE.test(e.message)) return { n: c.n, outcome: 'unnamed', detail };
    if (namesFunction(e.message, c.row.names)) return { n: c.n, outcome: 'named', detail };
    if (OP_PREFIX.test(e.message)) return { n: c.n, outcome: 'named_other', detail };
    return { n: c.n, outcome: 'unnamed', detail };
  }
  const bad = insane(m, result);
  if (bad) return { n: c.n, outcome: 'insane', detail: bad };
  if (c.bad?.expect === 'throw') return { n: c.n, outcome: 'accepted', detail: short(`returned ${describeValue(m, result)}`) };
  if (c.bad?.views && !c.row.random && !c.row.layout) {
    const again = c.row.args.map((a) => a.good(m));
    again[c.arg] = contiguous(m, c.bad.make(m, again[c.arg]));
    m.manualSeed(7);
    const want = flat(m, c.row.call(m, again)), got = flat(m, result);
    if (!sameNumbers(got, want)) return { n: c.n, outcome: 'view_mismatch', detail: short(`view gave [${got.slice(0, 6)}], contiguous [${want.slice(0, 6)}]`) };
  }
  return { n: c.n, outcome: 'ok' };
}
function describeValue(m: typeof M, v: unknown): string {
  const ts = tensorsIn(m, v);
  if (ts.length) return ts.map((t) => (t.isDisposed ? 'a disposed tensor' : `${t.dtype} [${t.shape.join(', ')}]`)).join(', ');
  try { return JSON.stringify(v)?.slice(0, 80) ?? String(v); } catch { return typeof v; }
}

/** The process still computes right: cheap, after every case. */
export function healthy(m: typeof M): boolean {
  try {
    return m.ones([3]).add(1).sum().item() === 6 && m.tensor([[1, 2], [3, 4]]).float().matmul(m.eye(2)).sum().item() === 10;
  } catch {
    return false;
  }
}
