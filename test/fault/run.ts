// The parent side of the fault-injection suite: spreads cases over child processes, reads
// their per-case reports, and turns a death into a result for the case in flight ('crash' with
// the signal or exit code, 'hang' when a case makes no progress), then starts a fresh child
// for the cases after it, so one crash does not hide the others.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { allCases, describe, PASSING, type Result } from './cases';

export interface ChildEnd { code: number | null; signal: string | null; healthy: boolean; stderr: string; cases: number }
export interface Run { results: Result[]; children: ChildEnd[]; ms: number }

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(__dirname, 'register.js');
const CHILD = join(__dirname, 'child.ts');

/** Runs `todo` in one child; resolves when it exits (or is killed after `hangMs` without progress). */
function child(todo: number[], hangMs: number, onResult: (r: Result) => void): Promise<ChildEnd & { inFlight: number | null; hung: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--expose-gc', '-r', REGISTER, CHILD, todo.join(',')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    let buf = '', stderr = '', inFlight: number | null = null, healthy = false, hung = false, done = 0;
    let timer = setTimeout(kill, hangMs);
    function kill() { hung = true; p.kill('SIGKILL'); }
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        clearTimeout(timer);
        timer = setTimeout(kill, hangMs);
        if (line.startsWith('B ')) inFlight = Number(line.slice(2));
        else if (line.startsWith('E ')) { onResult(JSON.parse(line.slice(line.indexOf('{')))); inFlight = null; done++; }
        else if (line === 'HEALTHY') healthy = true;
      }
    });
    p.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    p.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, healthy, stderr, cases: done, inFlight, hung }); });
  });
}

/** Runs the cases over `procs` children, restarting after each death; results in case order. */
export async function runCases(todo: number[], o: { procs?: number; hangMs?: number } = {}): Promise<Run> {
  const t0 = Date.now();
  const procs = Math.max(1, Math.min(o.procs ?? 3, todo.length));
  const results = new Map<number, Result>();
  const children: ChildEnd[] = [];
  const lane = async (mine: number[]) => {
    while (mine.length) {
      const end = await child(mine, o.hangMs ?? 20_000, (r) => results.set(r.n, r));
      children.push(end);
      const left = mine.filter((n) => !results.has(n));
      if (end.inFlight !== null) {
        const detail = end.hung ? 'no progress, killed' : `signal ${end.signal ?? '-'} code ${end.code}: ${lastLines(end.stderr)}`;
        results.set(end.inFlight, { n: end.inFlight, outcome: end.hung ? 'hang' : 'crash', detail });
        mine = left.filter((n) => n !== end.inFlight);
      } else if (left.length) {
        // died between cases (after the last report): blame the next case so the run moves on
        results.set(left[0], { n: left[0], outcome: 'crash', detail: `between cases: code ${end.code} signal ${end.signal}: ${lastLines(end.stderr)}` });
        mine = left.slice(1);
      } else mine = [];
    }
  };
  const lanes: number[][] = Array.from({ length: procs }, () => []);
  todo.forEach((n, i) => lanes[i % procs].push(n));
  await Promise.all(lanes.map(lane));
  return { results: [...results.values()].sort((a, b) => a.n - b.n), children, ms: Date.now() - t0 };
}

const lastLines = (s: string) => s.trim().split('\n').slice(-2).join(' | ').slice(0, 300);

/** Failures as one reproducer line each, grouped for reading. */
export function failures(run: Run): string[] {
  const cases = allCases();
  return run.results.filter((r) => !PASSING.has(r.outcome))
    .map((r) => `${r.outcome.padEnd(13)} ${describe(cases[r.n])}${r.detail ? ` -> ${r.detail}` : ''}`);
}
/** Children that ended badly after finishing their cases (no HEALTHY line, a signal, a non-zero code). */
export function sickChildren(run: Run): ChildEnd[] {
  return run.children.filter((c) => !c.healthy || c.code !== 0 || c.signal !== null);
}
/** Counts by outcome, and per class of bad input. */
export function summary(run: Run): { outcomes: Record<string, number>; classes: Record<string, Record<string, number>> } {
  const cases = allCases();
  const outcomes: Record<string, number> = {}, classes: Record<string, Record<string, number>> = {};
  for (const r of run.results) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const cls = cases[r.n].bad?.cls ?? 'good_args';
    (classes[cls] ??= {})[PASSING.has(r.outcome) ? 'pass' : 'fail'] = ((classes[cls] ?? {})[PASSING.has(r.outcome) ? 'pass' : 'fail'] ?? 0) + 1;
  }
  return { outcomes, classes };
}
