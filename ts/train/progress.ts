// Training progress: a cli-progress bar per epoch on a terminal, plain lines elsewhere
// (CI logs, pipes), so the output is readable in both.
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressValues { loss: number; acc: number; rate: number }
export interface Progress {
  start(epoch: number, epochs: number, total: number): void;
  update(done: number, v: ProgressValues): void;
  stop(line: string): void;
  /** Called once as fit starts, with the model and optimizer (the dashboard reads the lr and predicts samples). */
  attach?(model: unknown, optimizer: unknown): void;
  /** Called after each epoch with its log (EpochLog). */
  epochEnd?(log: object): void;
}

let hook: ((p: Progress) => Progress) | null = null;
/** Wraps the progress of every fit from now on (ts/viz/dashboard.ts feeds its page so); null removes it. */
export function setProgressHook(h: ((p: Progress) => Progress) | null): void { hook = h; }
/** The progress fit reports to: `p`, wrapped by the hook when one is set. */
export const hooked = (p: Progress): Progress => (hook ? hook(p) : p);

// acc is NaN when it does not apply (regression, or metrics given instead): left out, never a silent 0%
const fmt = (v: ProgressValues) => `loss ${v.loss.toFixed(4)}${Number.isFinite(v.acc) ? ` | acc ${(100 * v.acc).toFixed(2)}%` : ''} | ${Math.round(v.rate)} samples/s`;

/** A bar on a TTY, else one line every quarter of an epoch; perEpoch: only the epochs' lines (Keras' verbose 2). */
export function makeProgress(stream: NodeJS.WriteStream = process.stdout, opts: { quiet?: boolean; perEpoch?: boolean } = {}): Progress {
  if (opts.quiet) return { start() {}, update() {}, stop() {} };
  if (opts.perEpoch) return { start() {}, update() {}, stop(line) { stream.write(`${line}\n`); } };
  if (stream.isTTY) {
    let bar: SingleBar | null = null;
    return {
      start(epoch, epochs, total) {
        bar = new SingleBar({ format: `epoch ${epoch}/${epochs} [{bar}] {percentage}% | {stats}`, stream, hideCursor: true }, Presets.shades_classic);
        bar.start(total, 0, { stats: '' });
      },
      update(done, v) { bar?.update(done, { stats: fmt(v) }); },
      stop(line) { bar?.stop(); stream.write(`${line}\n`); },
    };
  }
  let total = 0, next = 0, ep = '';
  return {
    start(epoch, epochs, t) { total = t; next = t / 4; ep = `epoch ${epoch}/${epochs}`; },
    update(done, v) {
      if (done >= next && done < total) { stream.write(`${ep} ${Math.round((100 * done) / total)}% | ${fmt(v)}\n`); next += total / 4; }
    },
    stop(line) { stream.write(`${line}\n`); },
  };
}
