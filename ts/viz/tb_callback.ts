// The TensorBoard callback for train.fit (Keras' keras.callbacks.TensorBoard): every epoch's logs
// (loss, metrics, validation values) and the learning rate as scalars under epoch_*, and, every
// `histogramFreq` epochs, a histogram of each parameter. Lives in myelin/viz with the writer.
import { showValue } from '../args';
import type { Callback, CallbackContext, Logs } from '../train/callback_list';
import { SummaryWriter } from './tensorboard';

export interface TensorBoardOptions { histogramFreq?: number; updateFreq?: 'epoch' | number }

export class TensorBoard implements Callback {
  readonly writer: SummaryWriter;
  readonly histogramFreq: number;
  readonly updateFreq: 'epoch' | number;
  private ctx: CallbackContext | null = null;
  private batches = 0;
  /**
   * ```ts
   * const { TensorBoard } = require('myelin/viz');
   * train.fit(model, data, { ..., callbacks: [new TensorBoard('runs/mlp', { histogramFreq: 1 })] });
   * // tensorboard --logdir runs
   * ```
   */
  constructor(logDir: string, o: TensorBoardOptions = {}) {
    const hf = o.histogramFreq ?? 0;
    if (!Number.isSafeInteger(hf) || hf < 0) throw new Error(`TensorBoard: histogramFreq must be a non-negative integer, got ${showValue(hf)}`);
    const uf = o.updateFreq ?? 'epoch';
    if (uf !== 'epoch' && !(Number.isSafeInteger(uf) && (uf as number) > 0)) throw new Error(`TensorBoard: updateFreq must be 'epoch' or a positive integer, got ${showValue(uf)}`);
    this.histogramFreq = hf; this.updateFreq = uf;
    this.writer = new SummaryWriter(logDir);
  }
  setContext(ctx: CallbackContext): void { this.ctx = ctx; }
  onBatchEnd(_batch: number, logs: Logs): void {
    this.batches++;
    if (typeof this.updateFreq === 'number' && this.batches % this.updateFreq === 0 && logs.loss !== undefined)
      this.writer.addScalar('batch_loss', logs.loss, this.batches);
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) this.writer.addScalar(`epoch_${k}`, v, epoch);
    const lr = (this.ctx?.optimizer.paramGroups?.[0] as { lr?: unknown } | undefined)?.lr;
    if (typeof lr === 'number') this.writer.addScalar('epoch_learning_rate', lr, epoch);
    if (this.histogramFreq && epoch % this.histogramFreq === 0 && this.ctx)
      for (const [name, p] of this.ctx.model.namedParameters()) this.writer.addHistogram(name, p, epoch);
    this.writer.flush();
  }
  onTrainEnd(): void { this.writer.close(); }
  onTrainError(): void { this.writer.close(); }
}
