// Tensor lifetimes: tidy() scopes release what they created; dispose() releases one
// tensor now; garbage collection (with external-memory accounting) is the safety net.
import { native } from './binding';

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
 * (directly, or inside arrays and plain objects) and those passed to `keep()`. When `fn`
 * throws, every tensor it created (and did not `keep()`) is disposed before the error
 * propagates.
 * ```ts
 * const y = tidy(() => x.mul(2).add(1));   // the intermediate x*2 is freed
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // nothing is returned, so everything fn made goes (a training step that throws inside
    // tidy would otherwise leak its whole graph, every step)
    scopes.pop();
    disposeAll(scope);
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    disposeAll(scope);
    throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  }
  const kept = new Set<unknown>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) { if (parent) parent.add(t); }
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

function disposeAll(scope: Set<Disposable>): void {
  for (const t of scope) if (!t.isDisposed) t.dispose();
}

/** Keeps a tensor alive past the enclosing tidy() scopes. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Live native tensors and the bytes their storages hold (process-wide). */
export function memory(): { numTensors: number; numStorages: number; numBytes: number } {
  return native.memory();
}
