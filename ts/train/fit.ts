// The fit/evaluate loop: one tidy() scope per batch, so a run holds flat native memory
// by construction; metrics are read back once per batch.
import { Tensor } from '../tensor';
import { tidy } from '../memory';
import { showValue, tensorArg } from '../args';
import { noGrad } from '../autograd/engine';
import type { Module } from '../nn/module';
import { makeProgress, hooked, type Progress } from './progress';

export interface OptimizerLike { zeroGrad(): void; step(): void }
export interface SchedulerLike { step(): void }
export type Batches = Iterable<[Tensor, Tensor]> & { length?: number };
export interface EpochLog { epoch: number; loss: number; acc: number; testLoss?: number; testAcc?: number; seconds: number }
export interface FitOptions {
  /** The last epoch to train (the total, counting those before initialEpoch). */
  epochs: number;
  /** Epochs already trained (Keras' initial_epoch): after `io.resume`, pass the checkpoint's epoch
   * and training goes on from the next one, numbered as in an uninterrupted run. Default 0. */
  initialEpoch?: number;
  optimizer: OptimizerLike;
  lossFn: (out: Tensor, y: Tensor) => Tensor;
  test?: Batches;
  /** Stepped once per epoch. */
  scheduler?: SchedulerLike;
  /** Stepped once per batch (OneCycleLR). */
  batchScheduler?: SchedulerLike;
  progress?: Progress;
  /** Called after each epoch; return true to stop (early stopping). */
  onEpoch?: (log: EpochLog) => boolean | void;
  /** Keep training through a NaN or infinite loss (by default fit throws, before that batch's step). */
  allowNonFinite?: boolean;
}

const correct = (out: Tensor, y: Tensor): number => (out.ndim === 2 && y.ndim === 1 ? (out.argmax(1).eq(y).sum().item() as number) : 0);
/** Runs fn on each batch inside its own tidy() scope, which also frees the batch if the
 * iterator created it there (loader batches), but never tensors the caller holds; yields
 * after each batch, so a caller can hand the event loop a turn. */
function* batchSteps(op: string, batches: Batches, fn: (x: Tensor, y: Tensor) => void): Generator<void, void> {
  if (batches === null || typeof batches !== 'object' || typeof batches[Symbol.iterator] !== 'function')
    throw new Error(`${op}: batches must be an iterable of [input, target] tensor pairs, got ${showValue(batches)}`);
  const it = batches[Symbol.iterator]();
  for (let done = false, i = 0; !done; i++) {
    tidy(() => {
      const r = it.next();
      if (r.done) { done = true; return; }
      // checked here, so that a bad batch names fit/evaluate and its index, not a layer deep inside
      const b: unknown = r.value;
      if (!Array.isArray(b) || b.length < 2) throw new Error(`${op}: batch ${i} must be an [input, target] pair, got ${showValue(b)}`);
      fn(tensorArg(op, `batch ${i} input`, b[0]), tensorArg(op, `batch ${i} target`, b[1]));
    });
    if (!done) yield;
  }
}
/** Runs a stepping generator to its end, synchronously. */
function drain<R>(steps: Generator<void, R>): R {
  for (;;) { const r = steps.next(); if (r.done) return r.value; }
}
const eachBatch = (op: string, batches: Batches, fn: (x: Tensor, y: Tensor) => void): void => drain(batchSteps(op, batches, fn));
const modelArg = (op: string, m: unknown): void => {
  const mm = m as Module | null;
  if (mm === null || typeof mm !== 'object' || typeof mm.forward !== 'function' || typeof mm.train !== 'function')
    throw new Error(`${op}: model must be a Module, got ${showValue(m)}`);
};
const countOf = (b: Batches): number => (typeof b.length === 'number' ? b.length : 0);

/** Mean loss and accuracy (for class-index targets) over batches, in eval mode without grad. */
export function evaluate(model: Module, batches: Batches, lossFn: (out: Tensor, y: Tensor) => Tensor): { loss: number; acc: number } {
  modelArg('evaluate', model);
  if (typeof lossFn !== 'function') throw new Error(`evaluate: lossFn must be a function, got ${showValue(lossFn)}`);
  const was = model.training;
  model.eval();
  let loss = 0, hits = 0, n = 0;
  try {
    noGrad(() => {
      eachBatch('evaluate', batches, (x, y) => {
          const out = model.forward(x) as Tensor;
          const b = x.shape[0];
          loss += (lossFn(out, y).item() as number) * b;
          hits += correct(out, y);
          n += b;
      });
    });
  } finally {
    model.train(was);  // a throwing model or loss must not leave the model in eval mode
  }
  return { loss: loss / Math.max(n, 1), acc: hits / Math.max(n, 1) };
}

/**
 * Trains `model` for `epochs` over `train` batches, evaluating on `test` after each epoch.
 * ```ts
 * const logs = fit(model, trainLoader, { epochs: 5, optimizer: opt, lossFn: (o, y) => F.crossEntropy(o, y), test });
 * ```
 * It holds the thread until done; in a server, `await fitAsync(...)` instead.
 */
export function fit(model: Module, train: Batches, o: FitOptions): EpochLog[] {
  return drain(fitSteps(model, train, o));
}

/**
 * fit() that gives the event loop a turn at least every `yieldMs` (default 20 ms) of
 * training, so timers, I/O and requests keep being served while a model trains.
 */
export async function fitAsync(model: Module, train: Batches, o: FitOptions & { yieldMs?: number }): Promise<EpochLog[]> {
  const steps = fitSteps(model, train, o);
  let last = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - last >= (o.yieldMs ?? 20)) {
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}

/** fit's loop, yielding after each batch. */
function* fitSteps(model: Module, train: Batches, o: FitOptions): Generator<void, EpochLog[]> {
  modelArg('fit', model);
  if (o === null || typeof o !== 'object') throw new Error(`fit: options must be an object with epochs, optimizer and lossFn, got ${showValue(o)}`);
  const progress = hooked(o.progress ?? makeProgress());
  const logs: EpochLog[] = [];
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${showValue(o.epochs)}`);
  if (typeof o.optimizer?.step !== 'function' || typeof o.optimizer.zeroGrad !== 'function')
    throw new Error(`fit: optimizer must have step() and zeroGrad(), got ${showValue(o.optimizer)}`);
  if (typeof o.lossFn !== 'function') throw new Error(`fit: lossFn must be a function, got ${showValue(o.lossFn)}`);
  const first = o.initialEpoch ?? 0;
  if (!Number.isInteger(first) || first < 0 || first > o.epochs) throw new Error(`fit: initialEpoch must be an integer from 0 to epochs (${o.epochs}), got ${showValue(o.initialEpoch)}`);
  progress.attach?.(model, o.optimizer);
  for (let epoch = first + 1; epoch <= o.epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    let loss = 0, hits = 0, n = 0, batch = 0;
    progress.start(epoch, o.epochs, countOf(train));
    try {
      yield* batchSteps('fit', train, (x, y) => {
          o.optimizer.zeroGrad();
          const out = model.forward(x) as Tensor;
          const l = tensorArg('fit', 'the loss (lossFn\'s result)', o.lossFn(out, y));
          // read before the step: a diverged run stops here, before NaN reaches the weights
          const lv = l.item() as number;
          if (!Number.isFinite(lv) && !o.allowNonFinite)
            throw new Error(`fit: the loss is ${lv} at epoch ${epoch}, batch ${batch + 1}; training diverged (try a lower learning rate), stopped before the optimizer step`);
          l.backward();
          o.optimizer.step();
          o.batchScheduler?.step();
          const b = x.shape[0];
          loss += lv * b;
          hits += noGrad(() => correct(out, y));
          n += b;
          batch++;
          progress.update(batch, { loss: loss / n, acc: hits / n, rate: n / ((performance.now() - t0) / 1000) });
      });
      o.scheduler?.step();
    } catch (e) {
      // a terminal's bar hides the cursor until stopped: stop it before the error leaves
      progress.stop(`epoch ${epoch}/${o.epochs}: stopped at batch ${batch + 1} by an error`);
      throw e;
    }
    const seconds = (performance.now() - t0) / 1000;
    const log: EpochLog = { epoch, loss: loss / Math.max(n, 1), acc: hits / Math.max(n, 1), seconds };
    if (o.test) {
      try {
        Object.assign(log, (({ loss: testLoss, acc: testAcc }) => ({ testLoss, testAcc }))(evaluate(model, o.test, o.lossFn)));
      } catch (e) {
        progress.stop(`epoch ${epoch}/${o.epochs}: stopped by an error in evaluation`);
        throw e;
      }
    }
    logs.push(log);
    progress.epochEnd?.(log);
    progress.stop(`epoch ${epoch}/${o.epochs}: loss ${log.loss.toFixed(4)}, train acc ${(100 * log.acc).toFixed(2)}%` +
      (log.testAcc !== undefined ? `, test loss ${log.testLoss!.toFixed(4)}, test acc ${(100 * log.testAcc).toFixed(2)}%` : '') +
      `, ${seconds.toFixed(2)} s (${Math.round(n / seconds)} samples/s)`);
    if (o.onEpoch?.(log)) break;
  }
  return logs;
}
