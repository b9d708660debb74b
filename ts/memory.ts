// Tensor lifetimes: tidy() scopes release what they created; dispose() releases one
// tensor now; garbage collection (with external-memory accounting) is the safety net.
import { native } from './binding';
import { badArg } from './args';

interface Disposable { dispose(): void; readonly isDisposed: boolean }

const scopes: Set<Disposable>[] = [];

/** @internal Called by every new Tensor. */
export function track(t: Disposable): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

function collect(value: unknown, out: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) { out.add(value); return; }
  if (Array.isArray(value)) { for (const v of value) collect(v, out, depth + 1); return; }
  if (value instanceof Map) { for (const v of value.values()) collect(v, out, depth + 1); return; }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (directly, or inside arrays and plain objects) and those passed to `keep()`.
 * ```ts
 * const y = tidy(() => x.mul(2).add(1));   // the intermediate x*2 is freed
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') badArg('tidy', 'fn', 'a function', fn);
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const kept = new Set<unknown>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) { if (parent) parent.add(t); }
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

/** Keeps a tensor alive past the enclosing tidy() scopes. */
export function keep<T extends Disposable>(t: T): T {
  // a tensor (or another disposable): keep('x') or keep(undefined) is a caller's mistake, and
  // keeping a disposed tensor would hand back something unusable
  if (t === null || typeof t !== 'object' || typeof t.dispose !== 'function') badArg('keep', 'tensor', 'a Tensor', t);
  if (t.isDisposed) throw new Error('keep: tensor is a disposed tensor');
  for (const s of scopes) s.delete(t);
  return t;
}

/** Live native tensors and the bytes their storages hold (process-wide). */
export function memory(): { numTensors: number; numStorages: number; numBytes: number } {
  return native.memory();
}
