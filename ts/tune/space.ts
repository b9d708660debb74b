// Search spaces for tune: each parameter a distribution (uniform, log-uniform, integer, choice),
// checked when declared, sampled by a seeded generator, and enumerated for grid search.
import { showValue } from '../args';
import { Generator } from '../data/random';

export interface Uniform { kind: 'uniform'; low: number; high: number }
export interface LogUniform { kind: 'logUniform'; low: number; high: number }
export interface IntParam { kind: 'int'; low: number; high: number; log: boolean }
export interface Choice { kind: 'choice'; values: readonly unknown[] }
export type Param = Uniform | LogUniform | IntParam | Choice;
/** A search space: parameter name → distribution. */
export type Space = Record<string, Param>;
export type Config = Record<string, unknown>;

const finite = (who: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${who}: ${name} must be a finite number, got ${showValue(v)}`);
  return v;
};
function bounds(who: string, low: unknown, high: unknown): [number, number] {
  const l = finite(who, 'low', low), h = finite(who, 'high', high);
  if (!(l < h)) throw new Error(`${who}: low must be below high, got low ${l} and high ${h}`);
  return [l, h];
}

/** Uniform on [low, high): `tune.uniform(0, 0.5)` (optuna's suggest_float). */
export function uniform(low: number, high: number): Uniform {
  const [l, h] = bounds('tune.uniform', low, high);
  return { kind: 'uniform', low: l, high: h };
}
/** Log-uniform on [low, high), low > 0: learning rates, `tune.logUniform(1e-5, 1e-1)`. */
export function logUniform(low: number, high: number): LogUniform {
  const [l, h] = bounds('tune.logUniform', low, high);
  if (l <= 0) throw new Error(`tune.logUniform: low must be positive, got ${l}`);
  return { kind: 'logUniform', low: l, high: h };
}
/** An integer in [low, high], both included; `{ log: true }` samples it log-uniformly (widths). */
export function int(low: number, high: number, opts: { log?: boolean } = {}): IntParam {
  for (const [n, v] of [['low', low], ['high', high]] as const)
    if (!Number.isSafeInteger(v)) throw new Error(`tune.int: ${n} must be an integer, got ${showValue(v)}`);
  if (!(low <= high)) throw new Error(`tune.int: low must not exceed high, got low ${low} and high ${high}`);
  const log = opts.log ?? false;
  if (log && low < 1) throw new Error(`tune.int: with log: true, low must be at least 1, got ${low}`);
  return { kind: 'int', low, high, log };
}
/** One of the given values: `tune.choice(['relu', 'gelu'])`. */
export function choice<T>(values: readonly T[]): Choice {
  if (!Array.isArray(values) || values.length === 0) throw new Error(`tune.choice: values must be a non-empty array, got ${showValue(values)}`);
  return { kind: 'choice', values: [...values] };
}

/** Checks a space object (as built by uniform/logUniform/int/choice) and returns its names in order. */
export function checkSpace(who: string, space: unknown): string[] {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) throw new Error(`${who}: space must be an object of parameters, got ${showValue(space)}`);
  const names = Object.keys(space);
  if (names.length === 0) throw new Error(`${who}: space has no parameters`);
  for (const n of names) {
    const p = (space as Record<string, Param>)[n];
    const kind = p !== null && typeof p === 'object' ? p.kind : undefined;
    // re-run the constructors' checks: a hand-written object gets the same errors
    if (kind === 'uniform') uniform((p as Uniform).low, (p as Uniform).high);
    else if (kind === 'logUniform') logUniform((p as LogUniform).low, (p as LogUniform).high);
    else if (kind === 'int') int((p as IntParam).low, (p as IntParam).high, { log: (p as IntParam).log });
    else if (kind === 'choice') choice((p as Choice).values);
    else throw new Error(`${who}: parameter '${n}' is not a distribution (use tune.uniform, logUniform, int or choice), got ${showValue(p)}`);
  }
  return names;
}

/** One draw from a parameter's prior. */
export function sampleParam(p: Param, g: Generator): unknown {
  const u = g.next();
  switch (p.kind) {
    case 'uniform': return p.low + u * (p.high - p.low);
    case 'logUniform': return Math.exp(Math.log(p.low) + u * (Math.log(p.high) - Math.log(p.low)));
    case 'int': return p.log
      ? Math.min(p.high, Math.max(p.low, Math.round(Math.exp(Math.log(p.low - 0.5) + u * (Math.log(p.high + 0.5) - Math.log(p.low - 0.5))))))
      : Math.min(p.high, p.low + Math.floor(u * (p.high - p.low + 1)));
    case 'choice': return p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))];
  }
}

/** The values grid search visits for one parameter: every choice and integer; `points` evenly
 * spaced values (log-spaced for logUniform) for a continuous one. */
export function gridValues(name: string, p: Param, points: number): unknown[] {
  switch (p.kind) {
    case 'choice': return [...p.values];
    case 'int': {
      if (p.high - p.low + 1 > 10_000) throw new Error(`tune.gridSearch: parameter '${name}' has ${p.high - p.low + 1} integers; give choice([...]) of the values to visit`);
      return Array.from({ length: p.high - p.low + 1 }, (_, i) => p.low + i);
    }
    case 'uniform': return Array.from({ length: points }, (_, i) => points === 1 ? (p.low + p.high) / 2 : p.low + (i * (p.high - p.low)) / (points - 1));
    case 'logUniform': {
      const a = Math.log(p.low), b = Math.log(p.high);
      return Array.from({ length: points }, (_, i) => Math.exp(points === 1 ? (a + b) / 2 : a + (i * (b - a)) / (points - 1)));
    }
  }
}
