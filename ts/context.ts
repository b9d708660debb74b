// The runtime context: grad mode, tidy scopes, the default device and the random generator. Each async context
// (AsyncLocalStorage) has its own, so noGrad(async ...) and tidyAsync hold across await and
// concurrent request handlers do not see each other's modes.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a tidy scope tracks (a Tensor). */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Set by keep(): every tidy scope leaves it alive. */
  _kept?: boolean;
}

/** @internal The state that follows the code that runs, sync or async. */
export interface Context {
  gradEnabled: boolean;
  /** Open tidy scopes, innermost last: new tensors go to the last one. */
  scopes: Disposable[][];
  /** Where creation functions put tensors when no device is given. */
  device: string;
  /** The context's own generator state (withSeed, ts/rng.ts), or null: the process's. Shared, not copied, by child contexts. */
  rng: { seed: bigint; offset: bigint } | null;
}

const root: Context = { gradEnabled: true, scopes: [], device: 'cpu', rng: null };
// Made on the first async scope: until then every piece of code runs in `root`, and the
// per-op read of the grad mode is a property load. After it, reads go through getStore()
// (measured in bench/core.js: 'add 1 element (overhead, async context)'), since an await's
// continuation can resume in any context and only the ALS knows which.
let als: AsyncLocalStorage<Context> | null = null;

/** @internal The context of the running code. Synchronous scopes (noGrad, tidy) change it
 * in place and restore it before they return: no other code runs in between. */
export function ctx(): Context {
  return als === null ? root : (als.getStore() ?? root);
}

/**
 * @internal Runs `fn` in a child of the current context (copied, with `over` applied) that
 * follows its awaits, timers and callbacks.
 */
export function runInChild<T>(over: Partial<Context>, fn: () => T): T {
  const parent = ctx();
  const child: Context = { gradEnabled: parent.gradEnabled, scopes: parent.scopes.slice(), device: parent.device, rng: parent.rng, ...over };
  als ??= new AsyncLocalStorage<Context>();
  return als.run(child, fn);
}

/** @internal Whether `fn` is an `async` function (its body can await, so a mode must follow it). */
export function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'AsyncFunction';
}

/** @internal Whether a value is a promise-like (a sync scope cannot follow its continuations). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * The device that creation functions use when none is given, in the current context
 * (`'cpu'` unless {@link setDefaultDevice} changed it).
 * ```ts
 * defaultDevice();   // 'cpu'
 * ```
 */
export function defaultDevice(): string { return ctx().device; }

/** Devices {@link setDefaultDevice} accepts (the device layer adds its own). */
export const KNOWN_DEVICES = new Set<string>(['cpu']);

/**
 * Sets the default device of the current context: inside `noGrad(async ...)` or `tidyAsync`
 * only that async scope sees it; at top level, the whole program.
 */
export function setDefaultDevice(device: string): void {
  if (typeof device !== 'string' || !KNOWN_DEVICES.has(device))
    throw new Error(`set_default_device: unknown device ${typeof device === 'string' ? `'${device}'` : String(device)} (known: ${[...KNOWN_DEVICES].join(', ')})`);
  ctx().device = device;
}
