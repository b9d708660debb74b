// The worker-thread side of tune.search (piscina runs it): loads the objective's module, seeds
// myelin's generator with the trial's seed, and forwards report() to the main thread's pruner.
import type { MessagePort } from 'node:worker_threads';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { manualSeed } from '../creation';

interface Task { module: string; exportName: string; args: unknown; config: Record<string, unknown>; index: number; seed: number; port: MessagePort }

export default async function runTrial(task: Task): Promise<number> {
  const mod = await import(resolve(task.module)) as Record<string, unknown>;
  const fn = (mod[task.exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[task.exportName]) as
    ((c: Record<string, unknown>, t: unknown, args: unknown) => number | Promise<number>) | undefined;
  if (typeof fn !== 'function') throw new Error(`tune.search: module ${task.module} has no function export '${task.exportName}'`);
  manualSeed(task.seed);
  const trial = {
    index: task.index, seed: task.seed,
    async report(step: number, value: number): Promise<boolean> {
      task.port.postMessage({ step, value });
      const [reply] = (await once(task.port, 'message')) as [{ prune?: boolean; error?: string }];
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.prune === true;
    },
  };
  try { return await fn(task.config, trial, task.args); } finally { task.port.close(); }
}
