// tune.search: runs trials of an objective over a space, chooses where to look next with a sampler,
// stops bad trials with a pruner, and runs trials in parallel (worker threads when the objective is
// a module, so each trains on its own thread). Trials go in waves of `parallel`: a wave's
// configurations and pruning decisions read only the waves before it, so a seed repeats a search
// exactly however the threads are scheduled.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Table from 'cli-table3';
import { showValue } from '../args';
import { Generator } from '../data/random';
import { withSeed } from '../rng';
import { checkSpace, type Config, type Space } from './space';
import { GridSampler, RandomSampler, TPESampler, type Direction, type Sampler, type TrialRecord } from './samplers';
import { MedianPruner, SuccessiveHalvingPruner, type Pruner } from './pruners';

/** What an objective gets besides its configuration. */
export interface Trial {
  readonly index: number;
  /** The trial's random seed (myelin's generator is already seeded with it while the objective runs). */
  readonly seed: number;
  /** Records an intermediate value (e.g. validation accuracy after an epoch); resolves to true when the
   * pruner says the trial should stop (return early: the trial is then marked pruned). */
  report(step: number, value: number): Promise<boolean>;
}
/** A function of (config, trial), run on the calling thread, or a module whose export runs on worker threads. */
export type Objective = ((config: Config, trial: Trial) => number | Promise<number>) | ModuleObjective;
/** An objective on worker threads: `require(module)[export](config, trial, args)`; `args` is structured-cloned
 * to each worker (settings shared by every trial, e.g. epochs). */
export interface ModuleObjective { module: string; export?: string; args?: unknown }

export interface SearchOptions {
  sampler?: 'grid' | 'random' | 'tpe' | Sampler;
  /** Number of trials (grid search: the grid's size by default). */
  nTrials?: number;
  /** Trials at once. With a module objective, the number of worker threads. */
  parallel?: number;
  seed?: number;
  direction?: Direction;
  pruner?: 'median' | 'asha' | 'none' | Pruner;
  /** Called as each trial ends. */
  onTrial?: (t: TrialRecord) => void;
}

export interface SearchResult {
  trials: TrialRecord[];
  best: TrialRecord;
  bestConfig: Config;
  bestValue: number;
  /** The trials as a table (index, parameters, value, state, seconds), best first. */
  table(): string;
}

const W = 'tune.search';
const posInt = (name: string, v: unknown): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`${W}: ${name} must be a positive integer, got ${showValue(v)}`);
  return v as number;
};
function samplerOf(s: SearchOptions['sampler']): Sampler {
  if (s === undefined || s === 'tpe') return new TPESampler();
  if (s === 'random') return new RandomSampler();
  if (s === 'grid') return new GridSampler();
  if (s !== null && typeof s === 'object' && typeof (s as Sampler).suggest === 'function') return s;
  throw new Error(`${W}: sampler must be 'grid', 'random', 'tpe' or a Sampler, got ${showValue(s)}`);
}
function prunerOf(p: SearchOptions['pruner']): Pruner | null {
  if (p === undefined || p === 'none') return null;
  if (p === 'median') return new MedianPruner();
  if (p === 'asha') return new SuccessiveHalvingPruner();
  if (p !== null && typeof p === 'object' && typeof (p as Pruner).shouldPrune === 'function') return p;
  throw new Error(`${W}: pruner must be 'median', 'asha', 'none' or a Pruner, got ${showValue(p)}`);
}
/** A 32-bit seed per (search seed, trial, purpose), so trial i's draws do not depend on other trials'. */
const mix = (seed: number, i: number, salt: number): number => {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d); h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
};

/** @internal A compiled file of dist/tune/ (worker threads run JavaScript): next to this file when running
 * from dist, else under the package's dist/. */
export function distFile(name: string): string {
  for (const p of [join(__dirname, name), join(__dirname, '..', '..', 'dist', 'tune', name)]) if (existsSync(p)) return p;
  throw new Error(`${W}: dist/tune/${name} is missing (run npm run build:ts)`);
}

/**
 * Searches `space` for the configuration that minimizes (or maximizes) `objective`.
 * ```ts
 * const r = await tune.search((c) => (c.x as number - 2) ** 2, { x: tune.uniform(-5, 5) }, { nTrials: 30, seed: 0 });
 * r.bestConfig.x; // near 2
 * ```
 */
export async function search(objective: Objective, space: Space, opts: SearchOptions = {}): Promise<SearchResult> {
  checkSpace(W, space);
  if (opts === null || typeof opts !== 'object') throw new Error(`${W}: options must be an object, got ${showValue(opts)}`);
  const isModule = objective !== null && typeof objective === 'object' && typeof (objective as { module?: unknown }).module === 'string';
  if (typeof objective !== 'function' && !isModule) throw new Error(`${W}: objective must be a function or { module, export }, got ${showValue(objective)}`);
  const sampler = samplerOf(opts.sampler), pruner = prunerOf(opts.pruner);
  const direction = opts.direction ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') throw new Error(`${W}: direction must be 'minimize' or 'maximize', got ${showValue(direction)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${W}: seed must be a non-negative integer, got ${showValue(seed)}`);
  const size = sampler.size?.(space);
  const nTrials = opts.nTrials === undefined ? (size ?? 20) : posInt('nTrials', opts.nTrials);
  const total = size === undefined ? nTrials : Math.min(nTrials, size);
  const parallel = opts.parallel === undefined ? 1 : posInt('parallel', opts.parallel);

  const trials: TrialRecord[] = [];
  const pool = isModule ? await makePool(parallel) : null;
  try {
    for (let start = 0; start < total; start += parallel) {
      const before = trials.slice(); // the finished waves: all this wave reads
      const wave: Promise<void>[] = [];
      for (let i = start; i < Math.min(total, start + parallel); i++) {
        // this wave's earlier trials are passed as running (TPE counts them as bad, to spread the wave out)
        const config = sampler.suggest(space, trials.slice(0), new Generator(mix(seed, i, 1)), i, direction);
        const rec: TrialRecord = { index: i, config, state: 'running', intermediate: new Map() };
        trials.push(rec);
        const report = (step: number, value: number): boolean => {
          if (!Number.isSafeInteger(step) || step < 0) throw new Error(`trial.report: step must be a non-negative integer, got ${showValue(step)}`);
          if (typeof value !== 'number') throw new Error(`trial.report: value must be a number, got ${showValue(value)}`);
          rec.intermediate.set(step, value);
          const stop = pruner !== null && pruner.shouldPrune(rec, step, before, direction);
          if (stop) rec.state = 'pruned';
          return stop;
        };
        const t0 = performance.now();
        const trialSeed = mix(seed, i, 2);
        const run: Promise<number> = pool
          ? pool.run(objective as ModuleObjective, config, i, trialSeed, report)
          : Promise.resolve().then(() => withSeed(trialSeed, () => (objective as Exclude<Objective, ModuleObjective>)(config, { index: i, seed: trialSeed, report: async (s, v) => report(s, v) })));
        wave.push(run.then((v) => {
          if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`the objective returned ${showValue(v)}, not a number`);
          rec.value = v;
          if (rec.state !== 'pruned') rec.state = 'complete';
        }, (e: unknown) => { rec.state = 'failed'; rec.error = e instanceof Error ? e.message : String(e); })
          .then(() => { rec.seconds = (performance.now() - t0) / 1000; opts.onTrial?.(rec); }));
      }
      await Promise.all(wave);
    }
  } finally {
    await pool?.close();
  }
  return result(trials, space, direction);
}

function result(trials: TrialRecord[], space: Space, direction: Direction): SearchResult {
  const sign = direction === 'minimize' ? 1 : -1;
  const done = trials.filter((t) => t.state === 'complete').sort((a, b) => sign * (a.value! - b.value!) || a.index - b.index);
  if (done.length === 0) {
    const failed = trials.find((t) => t.state === 'failed');
    throw new Error(`${W}: no trial completed${failed ? ` (trial ${failed.index} failed: ${failed.error})` : ''}`);
  }
  const best = done[0];
  const names = Object.keys(space);
  const fmt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v));
  return {
    trials, best, bestConfig: best.config, bestValue: best.value!,
    table() {
      const t = new Table({ head: ['trial', ...names, 'value', 'state', 's'], style: { head: [], border: [] } }); // plain text: no colour codes in logs
      const order = [...done, ...trials.filter((x) => x.state !== 'complete')];
      for (const r of order) t.push([r.index, ...names.map((n) => fmt(r.config[n])), r.value === undefined ? '' : fmt(r.value), r.state, (r.seconds ?? 0).toFixed(2)]);
      return t.toString();
    },
  };
}

/** Worker threads through piscina: each task gets a port on which the trial's report() asks the pruner. */
async function makePool(threads: number) {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: distFile('worker.js'), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  return {
    run(obj: ModuleObjective, config: Config, index: number, seed: number, report: (s: number, v: number) => boolean): Promise<number> {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: { step: number; value: number }) => {
        let reply: { prune: boolean } | { error: string };
        try { reply = { prune: report(m.step, m.value) }; } catch (e) { reply = { error: (e as Error).message }; }
        port1.postMessage(reply);
      });
      return (pool.run({ module: obj.module, exportName: obj.export ?? 'default', args: obj.args, config, index, seed, port: port2 }, { transferList: [port2 as unknown as MessagePort] }) as Promise<number>)
        .finally(() => port1.close());
    },
    close: () => pool.destroy(),
  };
}
