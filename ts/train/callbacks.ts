// Keras' built-in callbacks for train.fit: EarlyStopping, ModelCheckpoint (io.saveCheckpoint),
// LearningRateScheduler, ReduceLROnPlateau, CSVLogger and ProgressBar. Each reads the epoch's
// logs by key (loss, valLoss, acc, valAcc, ...) and names a missing key rather than skip.
import { appendFileSync, writeFileSync } from 'node:fs';
import { showValue } from '../args';
import { Optimizer } from '../optim/optimizer';
import { EarlyStopping as Stopper } from '../optim/early_stopping';
import { ReduceLROnPlateau as Plateau } from '../optim/lr_scheduler';
import { saveCheckpoint } from '../io/checkpoint';
import { makeProgress, type Progress } from './progress';
import type { Callback, CallbackContext, Logs } from './callback_list';

export type { Callback, CallbackContext, Logs } from './callback_list';

/** 'auto': accuracy-like keys (acc, f1, precision, recall, r2, top5Acc) are maximized, the rest minimized. */
export type Mode = 'min' | 'max' | 'auto';
const MAXIMIZED = /(acc|f1|precision|recall|r2)$/i;
const modeOf = (op: string, mode: unknown, monitor: string): 'min' | 'max' => {
  if (mode !== undefined && mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new Error(`${op}: mode must be 'min', 'max' or 'auto', got ${showValue(mode)}`);
  return mode === 'min' || mode === 'max' ? mode : MAXIMIZED.test(monitor) ? 'max' : 'min';
};
const monitorArg = (op: string, m: unknown): string => {
  if (typeof m !== 'string' || m === '') throw new Error(`${op}: monitor must be a log key such as 'valLoss', got ${showValue(m)}`);
  return m;
};
/** The monitored value from an epoch's logs; a missing key is an Error listing the keys there are. */
const read = (op: string, logs: Logs, key: string): number => {
  const v = logs[key];
  if (typeof v !== 'number') {
    const hint = key.startsWith('val') ? '; pass validationSplit or validationData to fit, or monitor a training key' : '';
    throw new Error(`${op}: monitor ${showValue(key)} is not in the epoch's logs (${Object.keys(logs).join(', ')})${hint}`);
  }
  return v;
};
const ctxOf = (op: string, ctx: CallbackContext | undefined): CallbackContext => {
  if (!ctx) throw new Error(`${op}: used outside train.fit (no model or optimizer was given to it)`);
  return ctx;
};

/**
 * Stops training when `monitor` (default 'valLoss') has not improved for `patience` epochs;
 * restoreBestWeights loads the best epoch's weights back when training ends.
 * ```ts
 * fit(model, [x, y], { ..., validationSplit: 0.2, callbacks: [new callbacks.EarlyStopping({ patience: 3, restoreBestWeights: true })] });
 * ```
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  /** The epoch training stopped after (0: it ran to the end). */
  stoppedEpoch = 0;
  private stopper!: Stopper;
  private ctx?: CallbackContext;
  private readonly mode: 'min' | 'max';
  constructor(readonly o: { monitor?: string; patience?: number; minDelta?: number; mode?: Mode; restoreBestWeights?: boolean } = {}) {
    if (o === null || typeof o !== 'object') throw new Error(`EarlyStopping: options must be an object, got ${showValue(o)}`);
    this.monitor = monitorArg('EarlyStopping', o.monitor ?? 'valLoss');
    this.mode = modeOf('EarlyStopping', o.mode, this.monitor);
    this.onTrainBegin();  // checks patience and minDelta now, not at the first epoch
  }
  get best(): number { return this.stopper.best; }
  get bestEpoch(): number { return this.stopper.bestEpoch; }
  setContext(ctx: CallbackContext): void { this.ctx = ctx; }
  onTrainBegin(): void {
    this.stopper = new Stopper({ patience: this.o.patience ?? 0, minDelta: this.o.minDelta, mode: this.mode, restoreBestWeights: this.o.restoreBestWeights });
    this.stoppedEpoch = 0;
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    const ctx = ctxOf('EarlyStopping', this.ctx);
    if (this.stopper.step(read('EarlyStopping', logs, this.monitor), ctx.model)) { ctx.model.stopTraining = true; this.stoppedEpoch = epoch; }
  }
  onTrainEnd(): void {
    if (this.o.restoreBestWeights && this.stopper.bestEpoch > 0) this.stopper.restore(ctxOf('EarlyStopping', this.ctx).model);
  }
}

/**
 * Saves a checkpoint (io.saveCheckpoint: model, optimizer, epoch) after each epoch, or only when
 * `monitor` improves (saveBestOnly). `{epoch}` in the path is replaced by the epoch number.
 */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  /** The last file written, or null. */
  lastSaved: string | null = null;
  private best: number;
  private ctx?: CallbackContext;
  private readonly mode: 'min' | 'max';
  constructor(readonly filepath: string, readonly o: { monitor?: string; saveBestOnly?: boolean; mode?: Mode } = {}) {
    if (typeof filepath !== 'string' || filepath === '') throw new Error(`ModelCheckpoint: filepath must be a non-empty string, got ${showValue(filepath)}`);
    if (o === null || typeof o !== 'object') throw new Error(`ModelCheckpoint: options must be an object, got ${showValue(o)}`);
    this.monitor = monitorArg('ModelCheckpoint', o.monitor ?? 'valLoss');
    this.mode = modeOf('ModelCheckpoint', o.mode, this.monitor);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
  setContext(ctx: CallbackContext): void { this.ctx = ctx; }
  onEpochEnd(epoch: number, logs: Logs): void {
    const ctx = ctxOf('ModelCheckpoint', this.ctx);
    if (this.o.saveBestOnly) {
      const v = read('ModelCheckpoint', logs, this.monitor);
      if (!(this.mode === 'min' ? v < this.best : v > this.best)) return;
      this.best = v;
    }
    const file = this.filepath.replace(/\{epoch\}/g, String(epoch));
    const optimizer = ctx.optimizer instanceof Optimizer ? ctx.optimizer : undefined;
    saveCheckpoint(file, { model: ctx.model, optimizer, epoch, extra: { logs } });
    this.lastSaved = file;
  }
}

/** Sets the learning rate of every param group at each epoch's start to schedule(epoch, lr) (Keras' epochs count from 0 there; here from 1). */
export class LearningRateScheduler implements Callback {
  private ctx?: CallbackContext;
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    if (typeof schedule !== 'function') throw new Error(`LearningRateScheduler: schedule must be a function (epoch, lr) => lr, got ${showValue(schedule)}`);
  }
  setContext(ctx: CallbackContext): void { this.ctx = ctx; }
  onEpochBegin(epoch: number): void {
    const groups = (ctxOf('LearningRateScheduler', this.ctx).optimizer.paramGroups ?? []) as { lr?: unknown }[];
    if (!groups.length) throw new Error('LearningRateScheduler: the optimizer has no paramGroups with an lr');
    const lr = this.schedule(epoch, groups[0].lr as number);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new Error(`LearningRateScheduler: schedule(${epoch}) must return a finite non-negative lr, got ${showValue(lr)}`);
    for (const g of groups) g.lr = lr;
  }
}

/** optim.ReduceLROnPlateau stepped with `monitor` (default 'valLoss') at each epoch's end. */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  scheduler: Plateau | null = null;
  constructor(readonly o: ConstructorParameters<typeof Plateau>[1] & { monitor?: string } = {}) {
    if (o === null || typeof o !== 'object') throw new Error(`ReduceLROnPlateau: options must be an object, got ${showValue(o)}`);
    this.monitor = monitorArg('ReduceLROnPlateau', o.monitor ?? 'valLoss');
  }
  setContext(ctx: CallbackContext): void {
    if (!(ctx.optimizer instanceof Optimizer)) throw new Error(`ReduceLROnPlateau: needs an optim Optimizer, got ${showValue(ctx.optimizer)}`);
    const { monitor: _, ...opts } = this.o;
    this.scheduler = new Plateau(ctx.optimizer, { mode: modeOf('ReduceLROnPlateau', this.o.mode, this.monitor), ...opts });
  }
  onEpochEnd(_epoch: number, logs: Logs): void { this.scheduler?.step(read('ReduceLROnPlateau', logs, this.monitor)); }
}

/** Appends one CSV row per epoch (header: epoch, then the logs' keys sorted, as Keras' CSVLogger). */
export class CSVLogger implements Callback {
  private keys: string[] | null = null;
  constructor(readonly filename: string, readonly o: { separator?: string; append?: boolean } = {}) {
    if (typeof filename !== 'string' || filename === '') throw new Error(`CSVLogger: filename must be a non-empty string, got ${showValue(filename)}`);
    if (o.separator !== undefined && (typeof o.separator !== 'string' || o.separator.length !== 1)) throw new Error(`CSVLogger: separator must be one character, got ${showValue(o.separator)}`);
  }
  onTrainBegin(): void {
    this.keys = null;
    if (!this.o.append) writeFileSync(this.filename, '');
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    const sep = this.o.separator ?? ',';
    let text = '';
    if (!this.keys) {
      this.keys = Object.keys(logs).filter((k) => k !== 'epoch').sort();
      if (!this.o.append) text += ['epoch', ...this.keys].join(sep) + '\n';
    }
    text += [epoch, ...this.keys.map((k) => (logs[k] === undefined ? '' : String(logs[k])))].join(sep) + '\n';
    appendFileSync(this.filename, text);
  }
}

/** A progress bar as a callback (fit's own output is verbose 1; use this with verbose 0, or on another stream). */
export class ProgressBar implements Callback {
  private readonly p: Progress;
  private epochs = 0; private steps = 0; private loss = 0; private n = 0; private t0 = 0;
  constructor(stream: NodeJS.WriteStream = process.stderr) { this.p = makeProgress(stream); }
  setContext(ctx: CallbackContext): void { this.epochs = ctx.epochs; this.steps = ctx.steps; }
  onEpochBegin(epoch: number): void { this.loss = 0; this.n = 0; this.t0 = performance.now(); this.p.start(epoch, this.epochs, this.steps); }
  onBatchEnd(batch: number, logs: Logs): void {
    const b = logs.size ?? 1;
    this.loss += (logs.loss ?? NaN) * b; this.n += b;
    this.p.update(batch, { loss: this.loss / this.n, acc: NaN, rate: this.n / ((performance.now() - this.t0) / 1000) });
  }
  onEpochEnd(epoch: number, logs: Logs): void { this.p.stop(`epoch ${epoch}/${this.epochs}: loss ${(logs.loss ?? NaN).toFixed(4)}`); }
  /** Restores the terminal (the bar hides the cursor) when training ends by an error. */
  onTrainError(): void { this.p.stop('training stopped by an error'); }
}
