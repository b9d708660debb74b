// EarlyStopping: stops training when a metric has not improved for `patience` epochs and
// can restore the best weights (any object with stateDict()/loadStateDict(), e.g. a Module).
import type { Tensor } from '../tensor';
import { keep } from '../memory';
import { noGrad } from '../autograd/engine';
import { showValue } from '../args';
import { metricArg } from './lr_scheduler';

export interface HasState { stateDict(): Map<string, Tensor> | Record<string, Tensor>; loadStateDict(sd: Map<string, Tensor>): unknown }

/**
 * ```ts
 * const stop = new EarlyStopping({ patience: 3, restoreBestWeights: true });
 * if (stop.step(valLoss, model)) { stop.restore(model); break; }
 * ```
 */
export class EarlyStopping {
  best: number;
  bestEpoch = 0;
  private epoch = 0;
  private wait = 0;
  private snapshot: Map<string, Tensor> | null = null;
  constructor(readonly o: { patience?: number; minDelta?: number; mode?: 'min' | 'max'; restoreBestWeights?: boolean } = {}) {
    const d = o.minDelta ?? 0, pat = o.patience ?? 5;
    if (typeof d !== 'number' || !(d >= 0) || d === Infinity) throw new Error(`EarlyStopping: minDelta must be a finite non-negative number, got ${showValue(o.minDelta)}`);
    if (typeof pat !== 'number' || !Number.isInteger(pat) || pat < 0) throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${showValue(o.patience)}`);
    if (o.mode !== undefined && o.mode !== 'min' && o.mode !== 'max') throw new Error(`EarlyStopping: mode must be 'min' or 'max', got ${showValue(o.mode)}`);
    this.best = (o.mode ?? 'min') === 'min' ? Infinity : -Infinity;
  }
  /** Records this epoch's metric; returns true when training should stop. */
  step(metric: number, model?: HasState): boolean {
    metricArg('EarlyStopping.step', metric);
    this.epoch++;
    const d = this.o.minDelta ?? 0;
    const improved = (this.o.mode ?? 'min') === 'min' ? metric < this.best - d : metric > this.best + d;
    if (improved) {
      this.best = metric; this.bestEpoch = this.epoch; this.wait = 0;
      if (this.o.restoreBestWeights && model) {
        this.release();
        const sd = model.stateDict();
        const entries = sd instanceof Map ? [...sd] : Object.entries(sd);
        this.snapshot = new Map(noGrad(() => entries.map(([k, t]) => [k, keep(t.clone())] as [string, Tensor])));
      }
      return false;
    }
    this.wait++;
    return this.wait >= (this.o.patience ?? 5);
  }
  /** Loads the weights saved at the best epoch back into the model. */
  restore(model: HasState): void {
    if (!this.snapshot) throw new Error('EarlyStopping.restore: no weights were saved (restoreBestWeights off, or no improvement seen)');
    model.loadStateDict(this.snapshot);
  }
  private release(): void { if (this.snapshot) for (const t of this.snapshot.values()) t.dispose(); this.snapshot = null; }
}
