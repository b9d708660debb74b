// TensorBoard event files: SummaryWriter (torch.utils.tensorboard's API in camelCase) writes
// scalars, histograms, PNG images, text and hparams as TFRecord-framed Event protos that the
// `tensorboard` Python package reads; readEvents parses such files back (ours or torch's).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { Tensor } from '../tensor';
import { showValue } from '../args';
import { encodeMsg, frameRecord, tbType, unframeRecords } from './tb_proto';

export type Numbers = Tensor | ArrayLike<number>;
export interface SummaryWriterOptions {
  /** Added to the file name (torch's filename_suffix). */
  filenameSuffix?: string;
  /** Seconds since the epoch for each event (default: the clock); a fixed clock makes files reproducible. */
  clock?: () => number;
  /** Records buffered before a write to disk (default 10, as torch's max_queue). */
  maxQueue?: number;
}
type HParam = number | string | boolean;

const finite = (op: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`SummaryWriter.${op}: ${what} must be a finite number, got ${showValue(v)}`);
  return v;
};
const tagArg = (op: string, tag: unknown): string => {
  if (typeof tag !== 'string' || tag === '') throw new Error(`SummaryWriter.${op}: tag must be a non-empty string, got ${showValue(tag)}`);
  return tag;
};
const stepArg = (op: string, step: unknown): number => {
  if (step === undefined) return 0;
  if (!Number.isSafeInteger(step) || (step as number) < 0) throw new Error(`SummaryWriter.${op}: step must be a non-negative integer, got ${showValue(step)}`);
  return step as number;
};
/** Values as float64 (a Tensor is read back once). */
function numbers(op: string, what: string, v: unknown): Float64Array {
  if (v instanceof Tensor) {
    if (v.dtype === 'bool') throw new Error(`SummaryWriter.${op}: ${what} must be numeric, got a bool tensor`);
    return Float64Array.from(v.data() as ArrayLike<number>);
  }
  if (v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') {
    if (!ArrayBuffer.isView(v)) {
      const bad = Array.from(v as ArrayLike<unknown>).find((x) => typeof x !== 'number');
      if (bad !== undefined) throw new Error(`SummaryWriter.${op}: ${what} must hold numbers, got ${showValue(bad)}`);
    }
    const a = Float64Array.from(v as ArrayLike<number>);
    return a;
  }
  throw new Error(`SummaryWriter.${op}: ${what} must be a Tensor or an array of numbers, got ${showValue(v)}`);
}

/** A PNG of an image tensor [C, H, W] (C 1, 3 or 4) or [H, W], float values in [0, 1] (or uint8 0-255). */
export function encodePng(op: string, img: Tensor): { png: Buffer; height: number; width: number; channels: number } {
  if (!(img instanceof Tensor)) throw new Error(`${op}: image must be a Tensor [C, H, W] or [H, W], got ${showValue(img)}`);
  const s = img.shape;
  const [c, h, w] = s.length === 2 ? [1, s[0], s[1]] : s.length === 3 ? [s[0], s[1], s[2]] : [0, 0, 0];
  if (![1, 3, 4].includes(c) || h < 1 || w < 1) throw new Error(`${op}: image must have shape [C, H, W] with C 1, 3 or 4, or [H, W], got [${s.join(', ')}]`);
  const v = numbers(op, 'image', img);
  const scale = img.dtype === 'uint8' ? 1 : 255;  // torch's convention: float images are in [0, 1]
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = (y * w + x) * 4;
      for (let k = 0; k < 4; k++) {
        const ch = c === 1 ? (k < 3 ? 0 : -1) : k < c ? k : -1;
        png.data[px + k] = ch < 0 ? 255 : Math.max(0, Math.min(255, Math.round(v[ch * h * w + y * w + x] * scale)));
      }
    }
  }
  return { png: PNG.sync.write(png), height: h, width: w, channels: c };
}

/** A histogram as TensorBoard's HistogramProto: `bins` equal-width buckets from min to max (bucketLimit holds right edges). */
export function histogram(values: Float64Array, bins: number): Record<string, unknown> {
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0;
  for (const x of values) { min = Math.min(min, x); max = Math.max(max, x); sum += x; sumSquares += x * x; }
  const lo = min, hi = max > min ? max : min + 1;  // one value: one bucket of width 1, as numpy does for a range of 0
  const bucket = new Array<number>(bins).fill(0);
  for (const x of values) bucket[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  const bucketLimit = bucket.map((_, i) => (i === bins - 1 ? hi : lo + ((hi - lo) * (i + 1)) / bins));
  return { min, max, num: values.length, sum, sumSquares, bucketLimit, bucket };
}

/**
 * Writes TensorBoard event files into `logDir` (created), one file per writer, named as TensorFlow
 * names them (`events.out.tfevents.<time>.<host>.<pid>.<n>`), so `tensorboard --logdir` finds it.
 * ```ts
 * const w = new SummaryWriter('runs/mlp');
 * w.addScalar('loss/train', 0.31, 1); w.addHistogram('fc1.weight', model.fc1.weight, 1);
 * w.close();
 * ```
 */
export class SummaryWriter {
  readonly logDir: string;
  readonly file: string;
  private queue: Buffer[] = [];
  private closed = false;
  private readonly clock: () => number;
  private readonly maxQueue: number;
  private static count = 0;

  constructor(logDir: string, o: SummaryWriterOptions = {}) {
    if (typeof logDir !== 'string' || logDir === '') throw new Error(`SummaryWriter: logDir must be a non-empty path, got ${showValue(logDir)}`);
    if (o === null || typeof o !== 'object') throw new Error(`SummaryWriter: options must be an object, got ${showValue(o)}`);
    this.clock = o.clock ?? (() => Date.now() / 1000);
    if (typeof this.clock !== 'function') throw new Error(`SummaryWriter: clock must be a function, got ${showValue(o.clock)}`);
    this.maxQueue = o.maxQueue ?? 10;
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 1) throw new Error(`SummaryWriter: maxQueue must be a positive integer, got ${showValue(o.maxQueue)}`);
    try {
      fs.mkdirSync(logDir, { recursive: true });
    } catch (e) { throw new Error(`SummaryWriter: cannot create logDir ${logDir}: ${(e as Error).message}`); }
    this.logDir = logDir;
    const t = this.clock();
    this.file = path.join(logDir, `events.out.tfevents.${Math.floor(t)}.${os.hostname()}.${process.pid}.${SummaryWriter.count++}${o.filenameSuffix ?? ''}`);
    fs.writeFileSync(this.file, '');
    this.push({ wallTime: t, fileVersion: 'brain.Event:2' });
    this.flush();  // the header at once: tensorboard lists the run from the start
  }

  private push(event: Record<string, unknown>): void {
    if (this.closed) throw new Error(`SummaryWriter: the writer for ${this.file} is closed`);
    this.queue.push(frameRecord(encodeMsg('Event', event)));
    if (this.queue.length >= this.maxQueue) this.flush();
  }
  private summary(op: string, step: number | undefined, walltime: number | undefined, value: Record<string, unknown>): void {
    const wallTime = walltime === undefined ? this.clock() : finite(op, 'walltime', walltime);
    this.push({ wallTime, step: stepArg(op, step), summary: { value: [value] } });
  }

  /** One scalar (a float32 simple_value, as torch writes it). */
  addScalar(tag: string, value: number | Tensor, step?: number, walltime?: number): void {
    const v = value instanceof Tensor ? (value.numel() === 1 ? Number(value.item()) : NaN) : value;
    if (value instanceof Tensor && value.numel() !== 1) throw new Error(`SummaryWriter.addScalar: value must be one number, got a tensor of shape [${value.shape.join(', ')}]`);
    if (typeof v !== 'number') throw new Error(`SummaryWriter.addScalar: value must be a number, got ${showValue(value)}`);
    this.summary('addScalar', step, walltime, { tag: tagArg('addScalar', tag), simpleValue: v });
  }

  /** Several scalars under one main tag, each as `main/key` in this file (torch writes one sub-run per key instead). */
  addScalars(mainTag: string, values: Record<string, number>, step?: number, walltime?: number): void {
    tagArg('addScalars', mainTag);
    if (values === null || typeof values !== 'object') throw new Error(`SummaryWriter.addScalars: values must be an object of numbers, got ${showValue(values)}`);
    for (const [k, v] of Object.entries(values)) this.addScalar(`${mainTag}/${k}`, v, step, walltime);
  }

  /** A histogram of the values (a Tensor or numbers) in `bins` equal-width buckets (default 30). */
  addHistogram(tag: string, values: Numbers, step?: number, opts: { bins?: number; walltime?: number } = {}): void {
    tagArg('addHistogram', tag);
    const bins = opts.bins ?? 30;
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`SummaryWriter.addHistogram: bins must be a positive integer, got ${showValue(opts.bins)}`);
    const v = numbers('addHistogram', 'values', values);
    if (v.length === 0) throw new Error('SummaryWriter.addHistogram: values are empty');
    const bad = v.find((x) => !Number.isFinite(x));
    if (bad !== undefined) throw new Error(`SummaryWriter.addHistogram: values must be finite, got ${bad}`);
    this.summary('addHistogram', step, opts.walltime, { tag, histo: histogram(v, bins) });
  }

  /** An image tensor [C, H, W] or [H, W] in [0, 1], stored as PNG. */
  addImage(tag: string, img: Tensor, step?: number, walltime?: number): void {
    tagArg('addImage', tag);
    const { png, height, width, channels } = encodePng('SummaryWriter.addImage', img);
    this.summary('addImage', step, walltime, { tag, image: { height, width, colorspace: channels, encodedImageString: png } });
  }

  /** Text (markdown in TensorBoard's text tab), as torch writes it: a DT_STRING tensor under `<tag>/text_summary`. */
  addText(tag: string, text: string, step?: number, walltime?: number): void {
    tagArg('addText', tag);
    if (typeof text !== 'string') throw new Error(`SummaryWriter.addText: text must be a string, got ${showValue(text)}`);
    this.summary('addText', step, walltime, {
      tag: `${tag}/text_summary`, metadata: { pluginData: { pluginName: 'text', content: new Uint8Array(0) } },
      tensor: { dtype: 7, tensorShape: { dim: [{ size: 1 }] }, stringVal: [Buffer.from(text, 'utf8')] },
    });
  }

  /**
   * A run's hyperparameters and final metrics for TensorBoard's HParams tab: the experiment,
   * session-start and session-end summaries of the hparams plugin, and each metric as a scalar
   * (torch writes these into a sub-run; here they go in this file, so one writer is one run).
   */
  addHparams(hparams: Record<string, HParam>, metrics: Record<string, number>, step?: number): void {
    if (hparams === null || typeof hparams !== 'object' || Array.isArray(hparams)) throw new Error(`SummaryWriter.addHparams: hparams must be an object, got ${showValue(hparams)}`);
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw new Error(`SummaryWriter.addHparams: metrics must be an object of numbers, got ${showValue(metrics)}`);
    const hp: Record<string, Record<string, unknown>> = {};
    const infos: Record<string, unknown>[] = [];
    for (const [k, v] of Object.entries(hparams)) {
      if (typeof v === 'number') { hp[k] = { numberValue: v }; infos.push({ name: k, type: 3 }); }
      else if (typeof v === 'string') { hp[k] = { stringValue: v }; infos.push({ name: k, type: 1 }); }
      else if (typeof v === 'boolean') { hp[k] = { boolValue: v }; infos.push({ name: k, type: 2 }); }
      else throw new Error(`SummaryWriter.addHparams: hparam '${k}' must be a number, string or boolean, got ${showValue(v)}`);
    }
    for (const [k, v] of Object.entries(metrics)) finite('addHparams', `metric '${k}'`, v);
    const plugin = (data: Record<string, unknown>, tag: string) => ({
      tag, metadata: { pluginData: { pluginName: 'hparams', content: encodeMsg('HParamsPluginData', { version: 0, ...data }) } },
    });
    const exp = { hparamInfos: infos, metricInfos: Object.keys(metrics).map((tag) => ({ name: { tag } })) };
    this.summary('addHparams', step, undefined, plugin({ experiment: exp }, '_hparams_/experiment'));
    this.summary('addHparams', step, undefined, plugin({ sessionStartInfo: { hparams: hp, groupName: '' } }, '_hparams_/session_start_info'));
    this.summary('addHparams', step, undefined, plugin({ sessionEndInfo: { status: 1 } }, '_hparams_/session_end_info'));
    for (const [k, v] of Object.entries(metrics)) this.addScalar(k, v, step);
  }

  /** Appends the buffered records to the file. */
  flush(): void {
    if (this.queue.length === 0) return;
    fs.appendFileSync(this.file, Buffer.concat(this.queue));
    this.queue = [];
  }
  /** Flushes and closes; later writes throw. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
}

export interface TbEvent {
  wallTime: number; step: number; fileVersion?: string;
  summary?: { value: Array<{ tag: string; simpleValue?: number; histo?: Record<string, unknown>; image?: { height: number; width: number; colorspace: number; encodedImageString: Uint8Array };
    tensor?: { dtype?: number; stringVal?: Uint8Array[] }; metadata?: { pluginData?: { pluginName?: string; content?: Uint8Array } } }> };
}

/** The events of a TensorBoard event file (TFRecord CRCs checked), decoded; int64 steps as numbers. */
export function readEvents(file: string): TbEvent[] {
  let buf: Buffer;
  try { buf = fs.readFileSync(file); } catch (e) { throw new Error(`readEvents: cannot read ${file}: ${(e as Error).message}`); }
  const T = tbType('Event');
  return unframeRecords(buf, file).map((r, i) => {
    try {
      return T.toObject(T.decode(r), { longs: Number, defaults: false }) as TbEvent;
    } catch (e) { throw new Error(`readEvents: ${file}: record ${i} is not an Event proto (${(e as Error).message})`); }
  }).map((e) => ({ ...e, wallTime: e.wallTime ?? 0, step: e.step ?? 0 }));
}

/** Decodes an hparams plugin's content bytes (for tests and tools). */
export function decodeHparamsPluginData(content: Uint8Array): Record<string, unknown> {
  const T = tbType('HParamsPluginData');
  return T.toObject(T.decode(content), { longs: Number });
}
