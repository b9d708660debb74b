// Tensor lifetimes: tidy() scopes release what they created; dispose() releases one
// tensor now; garbage collection (with external-memory accounting) is the safety net.
// The open scopes belong to the current context (ts/context.ts): tidyAsync's scope
// follows its awaits and collects only what its own async code creates.
import { native } from './binding';
import { badArg } from './args';
import { ctx, runInChild, type Disposable } from './context';

/** @internal Called by every new Tensor. A scope is a plain array (a push per op; a Set
 * would hash every tensor, which cost about 5% of a 1-element op inside tidy). A tensor
 * is in at most one scope at a time: the one open where it was made, or the parent it
 * moved to as a result; keep() marks it instead of searching the arrays. */
export function track(t: Disposable): void {
  const scopes = ctx().scopes;
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
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
  if (typeof fn !== 'function') badArg('tidy', 'fn', 'a function', fn);
  const scope: Disposable[] = [];
  const scopes = ctx().scopes;
  scopes.push(scope);
  // the scope holds what fn makes, so GC cannot free it: V8 hears of the bytes once the
  // scope has disposed its share (native/binding/addon.cpp, flush_external_memory)
  native.hold_external(true);
  try {
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
      throw new Error('tidy: fn must be synchronous (it returned a Promise); use tidyAsync');
    }
    release(scope, result, scopes[scopes.length - 1]);
    return result;
  } finally {
    native.hold_external(false);
  }
}

/** Disposes what `scope` tracked, except what `result` holds, which moves to `parent`, and what keep() marked. */
function release(scope: Disposable[], result: unknown, parent: Disposable[] | undefined): void {
  if (result === null || typeof result !== 'object') { disposeAll(scope); return; }  // a step that returns nothing or a number
  const kept = new Set<unknown>();
  collect(result, kept);
  for (let i = 0; i < scope.length; i++) {
    const t = scope[i];
    if (t._kept === true) continue;
    if (kept.has(t)) { if (parent) parent.push(t); }
    else if (!t.isDisposed) t.dispose();
  }
}

/**
 * tidy() for async code: the scope follows `fn`'s awaits, so the tensors that `fn` creates
 * (in its own async flow, not a concurrent handler's) are disposed when its promise
 * settles, except those it resolves with (directly, or in arrays and plain objects) and
 * those passed to `keep()`. A rejection disposes everything it created.
 * ```ts
 * const logits = await tidyAsync(async () => {
 *   const x = tensor(await readInput());
 *   return model.forward(x.div(255));   // x and x/255 are freed; logits is returned
 * });
 * ```
 */
export async function tidyAsync<T>(fn: () => Promise<T> | T): Promise<T> {
  if (typeof fn !== 'function') badArg('tidy_async', 'fn', 'a function', fn);
  const scope: Disposable[] = [];
  const outer = ctx().scopes;
  const parent = outer[outer.length - 1];  // the scope open where tidyAsync was called
  let result: T;
  try {
    result = await runInChild({ scopes: [...outer, scope] }, fn);
  } catch (e) {
    disposeAll(scope);
    throw e;
  }
  release(scope, result, parent);
  return result;
}

function disposeAll(scope: Disposable[]): void {
  for (let i = 0; i < scope.length; i++) {
    const t = scope[i];
    if (t._kept !== true && !t.isDisposed) t.dispose();
  }
}

/** Keeps a tensor alive past the enclosing tidy() scopes. */
export function keep<T extends Disposable>(t: T): T {
  // a tensor (or another disposable): keep('x') or keep(undefined) is a caller's mistake, and
  // keeping a disposed tensor would hand back something unusable
  if (t === null || typeof t !== 'object' || typeof t.dispose !== 'function') badArg('keep', 'tensor', 'a Tensor', t);
  if (t.isDisposed) throw new Error('keep: tensor is a disposed tensor');
  // a tensor is tracked once, where it was made, and a kept one never moves into another
  // scope: a mark that every scope's release skips is removing it from all of them
  t._kept = true;
  return t;
}

/** What {@link memory} reports. */
export interface MemoryInfo {
  /** Live native tensors (views included). */
  numTensors: number;
  /** Live storages (the buffers views share). */
  numStorages: number;
  /** Bytes the live storages hold. */
  numBytes: number;
  /** Bytes freed by tensors but kept by the CPU caching allocator for reuse (see {@link emptyCache}). */
  numBytesCached: number;
}

/**
 * Live native tensors and the bytes their storages hold, process-wide (all worker threads),
 * plus the bytes the allocator keeps cached for reuse.
 * ```ts
 * const { numBytes, numBytesCached } = memory();
 * ```
 */
export function memory(): MemoryInfo {
  return native.memory();
}

/**
 * Returns the memory the CPU caching allocator keeps for reuse to the system (as
 * `torch.cuda.empty_cache()`): all cached large blocks, and the calling thread's small
 * ones. Live tensors are untouched. The cache never holds more than 256 MiB while idle
 * (`MYELIN_CPU_CACHE_BYTES` changes that) and never grows the process past the peak of
 * live bytes, so this is only needed to hand memory back between phases.
 */
export function emptyCache(): void {
  native.empty_cache();
}

/**
 * Sets a process-wide bound on live tensor bytes: an allocation that would pass it throws
 * an Error naming the op and the sizes instead of running the machine out of memory (an
 * OOM kill). `null` (or `Infinity`, or 0) removes the limit, which is the default. Only
 * tensor storages count: kernels' scratch buffers do not.
 * ```ts
 * setMemoryLimit(2 ** 30);      // 1 GiB
 * zeros(2 ** 30);               // Error: empty: allocating 4.0 GiB would exceed the memory limit of 1.0 GiB ...
 * ```
 */
export function setMemoryLimit(bytes: number | null): void {
  native.set_memory_limit(bytes);
}
