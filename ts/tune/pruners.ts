// Pruners stop bad trials early from the values they report along the way: the median stopping
// rule (Golovin et al., Google Vizier 2017) and asynchronous successive halving (Li et al., ASHA,
// MLSys 2020), with optuna's defaults and comparison rules.
import { showValue } from '../args';
import type { Direction, TrialRecord } from './samplers';

/** Decides, after `trial` reported at `step`, whether it should stop. `others` are the trials it is
 * compared with (finished trials of earlier waves, so the decision repeats under a seed). */
export interface Pruner {
  readonly name: string;
  shouldPrune(trial: TrialRecord, step: number, others: readonly TrialRecord[], direction: Direction): boolean;
}

const nonNegInt = (who: string, name: string, v: unknown): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${who}: ${name} must be a non-negative integer, got ${showValue(v)}`);
  return v as number;
};

/** Linear-interpolated percentile, as numpy's default. */
function percentile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b), pos = (q / 100) * (s.length - 1), lo = Math.floor(pos);
  return lo + 1 < s.length ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

/**
 * Stops a trial whose best value so far is worse than the median of the other trials' values at the
 * same step, once `nStartupTrials` trials have finished and after `nWarmupSteps` steps.
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  readonly nStartupTrials: number; readonly nWarmupSteps: number;
  constructor(o: { nStartupTrials?: number; nWarmupSteps?: number } = {}) {
    this.nStartupTrials = nonNegInt('tune.MedianPruner', 'nStartupTrials', o.nStartupTrials ?? 5);
    this.nWarmupSteps = nonNegInt('tune.MedianPruner', 'nWarmupSteps', o.nWarmupSteps ?? 0);
  }
  shouldPrune(trial: TrialRecord, step: number, others: readonly TrialRecord[], direction: Direction): boolean {
    const done = others.filter((t) => t.state === 'complete');
    if (done.length < this.nStartupTrials || step < this.nWarmupSteps) return false;
    const atStep = done.filter((t) => t.intermediate.has(step)).map((t) => t.intermediate.get(step)!);
    if (atStep.length === 0) return false;
    const mine = [...trial.intermediate.values()];
    const best = direction === 'minimize' ? Math.min(...mine) : Math.max(...mine);
    if (Number.isNaN(best)) return true;
    const med = percentile(atStep, 50);
    return direction === 'minimize' ? best > med : best < med;
  }
}

/**
 * Successive halving: at step `minResource · reductionFactor^k` (rung k) a trial goes on only if its value
 * is in the best 1/reductionFactor of the values the trials recorded at that rung (itself included).
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'asha';
  readonly minResource: number; readonly reductionFactor: number;
  private readonly rungs = new Map<number, Map<number, number>>(); // trial index -> rung -> value
  constructor(o: { minResource?: number; reductionFactor?: number } = {}) {
    this.minResource = nonNegInt('tune.SuccessiveHalvingPruner', 'minResource', o.minResource ?? 1);
    if (this.minResource < 1) throw new Error(`tune.SuccessiveHalvingPruner: minResource must be at least 1, got ${this.minResource}`);
    this.reductionFactor = nonNegInt('tune.SuccessiveHalvingPruner', 'reductionFactor', o.reductionFactor ?? 4);
    if (this.reductionFactor < 2) throw new Error(`tune.SuccessiveHalvingPruner: reductionFactor must be at least 2, got ${this.reductionFactor}`);
  }
  private mine(i: number): Map<number, number> {
    let m = this.rungs.get(i);
    if (!m) this.rungs.set(i, (m = new Map()));
    return m;
  }
  shouldPrune(trial: TrialRecord, step: number, others: readonly TrialRecord[], direction: Direction): boolean {
    const value = trial.intermediate.get(step);
    if (value === undefined) return false;
    const mine = this.mine(trial.index);
    for (let rung = mine.size; ; rung++) {
      if (step < this.minResource * this.reductionFactor ** rung) return false;
      if (Number.isNaN(value)) return true;
      // the competitors: every other trial's value at this rung, and this one's
      const peers = others.filter((t) => t.index !== trial.index).map((t) => this.rungs.get(t.index)?.get(rung)).filter((x): x is number => x !== undefined);
      mine.set(rung, value);
      peers.push(value);
      // while fewer than reductionFactor trials reached the rung, only the best goes on (optuna's rule)
      const idx = Math.max(0, Math.floor(peers.length / this.reductionFactor) - 1);
      const sorted = peers.sort((a, b) => a - b);
      const promoted = direction === 'minimize' ? value <= sorted[idx] : value >= sorted[sorted.length - 1 - idx];
      if (!promoted) return true;
    }
  }
}
