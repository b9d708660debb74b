// The Callback interface fit calls (Keras' callback hooks) and the list that dispatches to
// them: a hook that throws stops training with a named Error saying which callback and hook.
import type { Module } from '../nn/module';
import { showValue } from '../args';

export type Logs = Record<string, number | undefined>;
/** What a callback may reach: the model (set `model.stopTraining = true` to stop), the optimizer, the plan. */
export interface CallbackContext { model: Module; optimizer: { paramGroups?: object[] }; epochs: number; steps: number }
/**
 * Every hook is optional; epochs and batches count from 1.
 * ```ts
 * fit(model, data, { ..., callbacks: [{ onEpochEnd: (epoch, logs) => console.log(epoch, logs.valLoss) }] });
 * ```
 */
export interface Callback {
  setContext?(ctx: CallbackContext): void;
  onTrainBegin?(logs: Logs): void;
  onTrainEnd?(logs: Logs): void;
  onEpochBegin?(epoch: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
  onBatchBegin?(batch: number, logs: Logs): void;
  onBatchEnd?(batch: number, logs: Logs): void;
  /** Called when an error (a layer's, the loss's, another callback's) ends training: restore what you changed (a terminal's cursor). */
  onTrainError?(error: unknown): void;
}
type Hook = Exclude<keyof Callback, 'setContext' | 'onTrainError'>;

const nameOf = (cb: object, i: number): string => {
  const c = cb.constructor?.name;
  return c && c !== 'Object' ? `${c} (callbacks[${i}])` : `callbacks[${i}]`;
};

export class CallbackList {
  constructor(private readonly cbs: Callback[], ctx: CallbackContext, private readonly onError: (why: string) => void) {
    cbs.forEach((cb, i) => {
      if (cb === null || typeof cb !== 'object') throw new Error(`fit: callbacks[${i}] must be an object with hooks such as onEpochEnd, got ${showValue(cb)}`);
    });
    this.each('setContext', (cb) => cb.setContext?.(ctx));
  }
  call(hook: Hook, ...args: [Logs] | [number, Logs]): void {
    this.each(hook, (cb) => (cb[hook] as ((...a: unknown[]) => void) | undefined)?.apply(cb, args), args.length === 2 ? args[0] : undefined);
  }
  /** Tells every callback that training ended by an error; their own errors here are dropped (the first one is what the caller sees). */
  abort(error: unknown): void {
    for (const cb of this.cbs) try { cb.onTrainError?.(error); } catch { /* the original error wins */ }
  }
  private each(hook: keyof Callback, f: (cb: Callback) => void, at?: number): void {
    this.cbs.forEach((cb, i) => {
      if (typeof cb[hook] !== 'function') return;
      try {
        f(cb);
      } catch (e) {
        const where = `${nameOf(cb, i)}.${hook}${at !== undefined ? `(${at})` : ''}`;
        // the progress bar is stopped (cursor shown) before the error leaves fit
        this.onError(`training stopped: ${where} threw`);
        throw new Error(`fit: callback ${where} threw: ${(e as Error)?.message ?? showValue(e)}`, { cause: e });
      }
    });
  }
}
