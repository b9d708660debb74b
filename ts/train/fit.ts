// The fit/evaluate loop (Keras' fit): one tidy() scope per batch, so a run holds flat native
// memory by construction; metrics are read back once per batch, callbacks called around each.
import { Tensor } from '../tensor';
import { tidy } from '../memory';
import { showValue, tensorArg } from '../args';
import { noGrad } from '../autograd/engine';
import type { Module } from '../nn/module';
import { clipGradNorm_ } from '../nn/utils';
import { makeProgress, hooked, type Progress } from './progress';
import { metricOf, type Metric } from './metrics';
import { CallbackList, type Callback } from './callback_list';
import { trainBatches, evalBatches, type Batches, type FitData } from './fit_data';

export interface OptimizerLike { zeroGrad(): void; step(): void; paramGroups?: object[] }
export interface SchedulerLike { step(metric?: number): void }
export type { Batches, FitData } from './fit_data';
/** One epoch's numbers: loss and acc on the training batches, valLoss and val<Metric> on the validation
 * data, testLoss/testAcc on `test`, and each metric by its name (acc, precision, f1, mae, ...). */
export interface EpochLog { epoch: number; loss: number; acc: number; testLoss?: number; testAcc?: number; valLoss?: number; seconds: number; lr?: number; [key: string]: number | undefined }
/** What fit returns: the per-epoch logs (an array, as before), with Keras' `history` beside them
 * (`history.loss`, `history.valLoss`, `history.acc`, ...: one number per epoch). */
export type History = EpochLog[] & { history: Record<string, number[]>; epoch: number[] };
export interface FitOptions {
  /** The last epoch to train (the total, counting those before initialEpoch). */
  epochs: number;
  /** Epochs already trained (Keras' initial_epoch): after `io.resume`, pass the checkpoint's epoch
   * and training goes on from the next one, numbered as in an uninterrupted run. Default 0. */
  initialEpoch?: number;
  optimizer: OptimizerLike;
  lossFn: (out: Tensor, y: Tensor) => Tensor;
  /** When the data is [x, y] tensors or a Dataset: rows per batch (default 32), shuffled each epoch (default true) by `seed`. */
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  /** Hold out this fraction of the rows (the last ones, before shuffling, as Keras) for validation; in (0, 1). */
  validationSplit?: number;
  /** Validation data: batches, a Dataset or [x, y] tensors; evaluated after each epoch into valLoss and val<Metric>. */
  validationData?: FitData;
  /** Metrics by name ('acc', 'precision', 'f1', 'mae', 'rmse', 'r2', ...: see metrics.METRICS) or Metric objects. */
  metrics?: (string | Metric)[];
  callbacks?: Callback[];
  /** Clip the gradients' joint 2-norm to this before each step (nn.utils.clipGradNorm_). */
  gradClipNorm?: number;
  /** 0: silent, 1: a progress bar (a line per quarter epoch off a terminal), 2: one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  test?: Batches;
  /** Stepped once per epoch (ReduceLROnPlateau: with valLoss, else the training loss). */
  scheduler?: SchedulerLike;
  /** Stepped once per batch (OneCycleLR). */
  batchScheduler?: SchedulerLike;
  progress?: Progress;
  /** Called after each epoch; return true to stop (early stopping). */
  onEpoch?: (log: EpochLog) => boolean | void;
  /** Keep training through a NaN or infinite loss (by default fit throws, before that batch's step). */
  allowNonFinite?: boolean;
}

/** Legacy accuracy (no `metrics` given): class indices or one-hot targets against [N, C] scores; NaN when neither applies. */
const correct = (out: Tensor, y: Tensor): number => {
  if (out.ndim !== 2 || out.shape[0] !== y.shape[0]) return NaN;
  if (y.ndim === 1 && !y.isFloatingPoint()) return out.argmax(1).eq(y).sum().item() as number;
  if (y.ndim === 2 && y.shape[1] === out.shape[1] && out.shape[1] > 1) return out.argmax(1).eq(y.argmax(1)).sum().item() as number;
  return NaN;
};
/** Runs fn on each batch inside its own tidy() scope, which also frees the batch if the
 * iterator created it there (loader batches), but never tensors the caller holds; yields
 * after each batch, so a caller can hand the event loop a turn. Stops early once stop() says so. */
function* batchSteps(op: string, batches: Batches, fn: (x: Tensor, y: Tensor) => void, stop?: () => boolean): Generator<void, void> {
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
    if (!done && stop?.()) { it.return?.(); return; }
    if (!done) yield;
  }
}
/** Runs a stepping generator to its end, synchronously. */
function drain<R>(steps: Generator<void, R>): R {
  for (;;) { const r = steps.next(); if (r.done) return r.value; }
}
const modelArg = (op: string, m: unknown): void => {
  const mm = m as Module | null;
  if (mm === null || typeof mm !== 'object' || typeof mm.forward !== 'function' || typeof mm.train !== 'function')
    throw new Error(`${op}: model must be a Module, got ${showValue(m)}`);
};
const countOf = (b: Batches): number => (typeof b.length === 'number' ? b.length : 0);
const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

export interface EvaluateOptions { lossFn: (out: Tensor, y: Tensor) => Tensor; metrics?: (string | Metric)[]; batchSize?: number }
/**
 * Mean loss, accuracy (for class-index or one-hot targets; NaN otherwise) and each metric over
 * the data, in eval mode without grad. The data: batches, a Dataset or [x, y] tensors.
 * ```ts
 * evaluate(model, [xTest, yTest], { lossFn, metrics: ['acc', 'f1'] });  // { loss, acc, f1 }
 * ```
 */
export function evaluate(model: Module, batches: FitData, lossFn: ((out: Tensor, y: Tensor) => Tensor) | EvaluateOptions): { loss: number; acc: number; [metric: string]: number } {
  modelArg('evaluate', model);
  const o: EvaluateOptions = typeof lossFn === 'function' ? { lossFn } : lossFn;
  if (o === null || typeof o !== 'object' || typeof o.lossFn !== 'function') throw new Error(`evaluate: lossFn must be a function, got ${showValue(typeof lossFn === 'object' && lossFn ? lossFn.lossFn : lossFn)}`);
  const ms = (o.metrics ?? []).map((m) => metricOf('evaluate', m));
  const was = model.training;
  model.eval();
  let loss = 0, hits = 0, n = 0;
  for (const m of ms) m.reset();
  try {
    noGrad(() => {
      drain(batchSteps('evaluate', evalBatches('evaluate', batches, o.batchSize), (x, y) => {
          const out = model.forward(x) as Tensor;
          const b = x.shape[0];
          loss += (o.lossFn(out, y).item() as number) * b;
          hits += correct(out, y);
          for (const m of ms) m.update(out, y);
          n += b;
      }));
    });
  } finally {
    model.train(was);  // a throwing model or loss must not leave the model in eval mode
  }
  const r: { loss: number; acc: number; [metric: string]: number } = { loss: loss / Math.max(n, 1), acc: hits / Math.max(n, 1) };
  for (const m of ms) r[m.name] = m.compute();
  return r;
}

/**
 * Trains `model` for `epochs`, Keras' fit: data as batches (a DataLoader), a Dataset or [x, y]
 * tensors; validation by validationSplit or validationData; metrics; callbacks. Returns the
 * per-epoch logs with their History (`.history.valLoss`, ...).
 * ```ts
 * const h = fit(model, [x, y], { epochs: 10, batchSize: 32, validationSplit: 0.2, optimizer: opt,
 *   lossFn: (o, t) => F.crossEntropy(o, t), metrics: ['acc'], callbacks: [new EarlyStopping({ patience: 2 })] });
 * h.history.valAcc;  // one number per epoch
 * ```
 * It holds the thread until done; in a server, `await fitAsync(...)` instead.
 */
export function fit(model: Module, train: FitData, o: FitOptions): History {
  return drain(fitSteps(model, train, o));
}

/**
 * fit() that gives the event loop a turn at least every `yieldMs` (default 20 ms) of
 * training, so timers, I/O and requests keep being served while a model trains.
 */
export async function fitAsync(model: Module, train: FitData, o: FitOptions & { yieldMs?: number }): Promise<History> {
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

function historyOf(logs: EpochLog[]): History {
  const h = logs as History;
  Object.defineProperty(h, 'history', { enumerable: false, get: () => {
    const r: Record<string, number[]> = {};
    for (const l of logs) for (const [k, v] of Object.entries(l)) if (k !== 'epoch' && typeof v === 'number') (r[k] ??= []).push(v);
    return r;
  } });
  Object.defineProperty(h, 'epoch', { enumerable: false, get: () => logs.map((l) => l.epoch) });
  return h;
}

/** fit's loop, yielding after each batch. */
function* fitSteps(model: Module, trainData: FitData, o: FitOptions): Generator<void, History> {
  modelArg('fit', model);
  if (o === null || typeof o !== 'object') throw new Error(`fit: options must be an object with epochs, optimizer and lossFn, got ${showValue(o)}`);
  const logs: EpochLog[] = [];
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${showValue(o.epochs)}`);
  if (typeof o.optimizer?.step !== 'function' || typeof o.optimizer.zeroGrad !== 'function')
    throw new Error(`fit: optimizer must have step() and zeroGrad(), got ${showValue(o.optimizer)}`);
  if (typeof o.lossFn !== 'function') throw new Error(`fit: lossFn must be a function, got ${showValue(o.lossFn)}`);
  const first = o.initialEpoch ?? 0;
  if (!Number.isInteger(first) || first < 0 || first > o.epochs) throw new Error(`fit: initialEpoch must be an integer from 0 to epochs (${o.epochs}), got ${showValue(o.initialEpoch)}`);
  if (o.verbose !== undefined && o.verbose !== 0 && o.verbose !== 1 && o.verbose !== 2) throw new Error(`fit: verbose must be 0, 1 or 2, got ${showValue(o.verbose)}`);
  if (o.gradClipNorm !== undefined && (typeof o.gradClipNorm !== 'number' || !(o.gradClipNorm > 0))) throw new Error(`fit: gradClipNorm must be a positive number, got ${showValue(o.gradClipNorm)}`);
  if (o.validationSplit !== undefined && o.validationData !== undefined) throw new Error('fit: pass validationSplit or validationData, not both');
  if (o.metrics !== undefined && !Array.isArray(o.metrics)) throw new Error(`fit: metrics must be an array of names or Metric objects, got ${showValue(o.metrics)}`);
  if (o.callbacks !== undefined && !Array.isArray(o.callbacks)) throw new Error(`fit: callbacks must be an array, got ${showValue(o.callbacks)}`);
  const { train, val: split } = trainBatches('fit', trainData, o);
  const val = split ?? (o.validationData !== undefined ? evalBatches('fit', o.validationData, o.batchSize) : undefined);
  const metricNames = o.metrics?.map((m) => metricOf('fit', m).name) ?? [];
  const ms = (o.metrics ?? []).map((m) => metricOf('fit', m));
  // hooked: a running dashboard (ts/viz) sees every fit's progress
  const progress = hooked(o.progress ?? makeProgress(process.stdout, { quiet: o.verbose === 0, perEpoch: o.verbose === 2 }));
  progress.attach?.(model, o.optimizer);
  const cbs = new CallbackList(o.callbacks ?? [], { model, optimizer: o.optimizer, epochs: o.epochs, steps: countOf(train) },
    (why) => progress.stop(why));
  const params = o.gradClipNorm !== undefined ? model.parameters() : [];
  model.stopTraining = false;
  try {
    cbs.call('onTrainBegin', {});
    for (let epoch = first + 1; epoch <= o.epochs && !model.stopTraining; epoch++) {
      model.train();
      cbs.call('onEpochBegin', epoch, {});
      const t0 = performance.now();
      let loss = 0, hits = 0, n = 0, batch = 0;
      for (const m of ms) m.reset();
      progress.start(epoch, o.epochs, countOf(train));
      try {
        yield* batchSteps('fit', train, (x, y) => {
            cbs.call('onBatchBegin', batch + 1, { size: x.shape[0] });
            o.optimizer.zeroGrad();
            const out = model.forward(x) as Tensor;
            const l = tensorArg('fit', 'the loss (lossFn\'s result)', o.lossFn(out, y));
            // read before the step: a diverged run stops here, before NaN reaches the weights
            const lv = l.item() as number;
            if (!Number.isFinite(lv) && !o.allowNonFinite)
              throw new Error(`fit: the loss is ${lv} at epoch ${epoch}, batch ${batch + 1}; training diverged (try a lower learning rate), stopped before the optimizer step`);
            l.backward();
            if (o.gradClipNorm !== undefined) clipGradNorm_(params.filter((p) => p.grad), o.gradClipNorm);
            o.optimizer.step();
            o.batchScheduler?.step();
            const b = x.shape[0];
            loss += lv * b;
            noGrad(() => {
              if (!ms.length) hits += correct(out, y);
              for (const m of ms) m.update(out, y);
            });
            n += b;
            batch++;
            progress.update(batch, { loss: loss / n, acc: ms.length ? NaN : hits / n, rate: n / ((performance.now() - t0) / 1000) });
            cbs.call('onBatchEnd', batch, { loss: lv, size: b });
        }, () => model.stopTraining);
      } catch (e) {
        // a terminal's bar hides the cursor until stopped: stop it before the error leaves
        progress.stop(`epoch ${epoch}/${o.epochs}: stopped at batch ${batch + 1} by an error`);
        throw e;
      }
      const seconds = (performance.now() - t0) / 1000;
      const log: EpochLog = { epoch, loss: loss / Math.max(n, 1), acc: hits / Math.max(n, 1), seconds };
      if (ms.length) { delete (log as Partial<EpochLog>).acc; ms.forEach((m, i) => { log[metricNames[i]] = m.compute(); }); }
      const lr = (o.optimizer.paramGroups?.[0] as { lr?: unknown } | undefined)?.lr;
      if (typeof lr === 'number') log.lr = lr;
      try {
        if (val) {
          const r = evaluate(model, val, { lossFn: o.lossFn, metrics: o.metrics });
          log.valLoss = r.loss;
          if (!ms.length) log.valAcc = r.acc;
          for (const name of metricNames) log[`val${capital(name)}`] = r[name];
        }
        if (o.test) {
          const r = evaluate(model, o.test, o.lossFn);
          log.testLoss = r.loss; log.testAcc = r.acc;
        }
      } catch (e) {
        progress.stop(`epoch ${epoch}/${o.epochs}: stopped by an error in evaluation`);
        throw e;
      }
      // ReduceLROnPlateau-style schedulers take the monitored value; the others ignore it
      o.scheduler?.step(log.valLoss ?? log.loss);
      logs.push(log);
      progress.stop(epochLine(log, o.epochs, n, seconds));
      progress.epochEnd?.(log);
      cbs.call('onEpochEnd', epoch, log);
      if (o.onEpoch?.(log)) break;
    }
    cbs.call('onTrainEnd', logs.length ? logs[logs.length - 1] : {});
  } catch (e) {
    cbs.abort(e);
    throw e;
  }
  return historyOf(logs);
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
function epochLine(log: EpochLog, epochs: number, n: number, seconds: number): string {
  const skip = new Set(['epoch', 'loss', 'acc', 'seconds', 'lr', 'testLoss', 'testAcc', 'valLoss', 'valAcc']);
  const extra = Object.entries(log).filter(([k, v]) => !skip.has(k) && typeof v === 'number').map(([k, v]) => `${k} ${(v as number).toFixed(4)}`);
  return `epoch ${log.epoch}/${epochs}: loss ${log.loss.toFixed(4)}` + (Number.isFinite(log.acc) ? `, train acc ${pct(log.acc)}` : '') +
    (log.valLoss !== undefined ? `, val loss ${log.valLoss.toFixed(4)}` : '') + (log.valAcc !== undefined && Number.isFinite(log.valAcc) ? `, val acc ${pct(log.valAcc)}` : '') +
    (log.testAcc !== undefined ? `, test loss ${log.testLoss!.toFixed(4)}` + (Number.isFinite(log.testAcc) ? `, test acc ${pct(log.testAcc)}` : '') : '') +
    (extra.length ? `, ${extra.join(', ')}` : '') + `, ${seconds.toFixed(2)} s (${Math.round(n / seconds)} samples/s)`;
}
