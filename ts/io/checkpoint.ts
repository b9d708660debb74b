// Training checkpoints: one safetensors file whose tensors are the model's state dict
// (`model.<key>`) and the optimizer's state by parameter name (`optimizer.state.<name>.<key>`),
// and whose __metadata__ holds the rest as JSON: param groups, scheduler, epoch, step, RNG and
// data-loader states, user `extra`. Written atomically (saveSafetensors), so a crash mid-save
// leaves the previous checkpoint whole.
import * as path from 'node:path';
import { Tensor } from '../tensor';
import { getRngState, setRngState, type RngState } from '../creation';
import { showValue } from '../args';
import { Module } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { readSafetensors, saveSafetensors } from './safetensors';

/** Anything with PyTorch's state pair: a scheduler, a DataLoader. */
export interface Stateful { stateDict(): unknown; loadStateDict(state: any): unknown }
export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer;
  scheduler?: Stateful;
  /** A DataLoader (its shuffling state: the next epoch's permutation after a resume). */
  dataLoader?: Stateful;
  epoch?: number;
  step?: number;
  /** Capture myelin's generator (getRngState), so dropout and other random ops resume exactly. Default true. */
  rng?: boolean;
  /** Anything JSON can hold (NaN, Infinity and BigInt survive too); no tensors. */
  extra?: unknown;
}
/** An optimizer's state in Optimizer.loadStateDict's form (indices), with each group's parameter names beside it. */
export interface OptimizerCheckpoint {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: Record<string, unknown>[];
  paramNames: string[][];
}
/** What {@link loadCheckpoint} returns. The tensors are the caller's (dispose them, or let {@link resume} do it). */
export interface Checkpoint {
  modelState: Map<string, Tensor>;
  optimizerState: OptimizerCheckpoint | null;
  schedulerState: unknown;
  dataLoaderState: unknown;
  epoch: number | null;
  step: number | null;
  rng: RngState | null;
  extra: unknown;
}
export interface ResumeOptions { model: Module; optimizer?: Optimizer; scheduler?: Stateful; dataLoader?: Stateful;
  /** Restore the generator state, when the checkpoint has one. Default true. */
  rng?: boolean }

const FORMAT = 'myelin.checkpoint/1';
const MODEL = 'model.', OPT = 'optimizer.state.';

// JSON that keeps what checkpoints meet and plain JSON loses: NaN and infinities (a scheduler's
// "best so far") would become null, and a BigInt would throw.
const replacer = (who: string) => function (this: unknown, _k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Tensor) throw new Error(`${who} holds a tensor; tensors belong in the model (or the optimizer state)`);
  return v;
};
const reviver = (_k: string, v: unknown): unknown => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === '$number' && ['NaN', 'Infinity', '-Infinity'].includes(o.$number as string)) return Number(o.$number);
    if (keys.length === 1 && keys[0] === '$bigint' && typeof o.$bigint === 'string' && /^-?\d+$/.test(o.$bigint)) return BigInt(o.$bigint);
  }
  return v;
};
function toJson(op: string, who: string, v: unknown): string {
  try { return JSON.stringify(v, replacer(who)); } catch (e) { throw new Error(`${op}: ${who} cannot be written as JSON: ${(e as Error).message}`); }
}
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const stateful = (v: unknown): v is Stateful => v !== null && typeof v === 'object' &&
  typeof (v as Stateful).stateDict === 'function' && typeof (v as Stateful).loadStateDict === 'function';

/** Checks the objects save and resume take; `op` names the caller. */
function partsArg(op: string, o: unknown): asserts o is SaveCheckpointOptions {
  if (!isObject(o)) throw new Error(`${op}: expected { model, optimizer?, scheduler?, ... }, got ${showValue(o)}`);
  if (!(o.model instanceof Module)) throw new Error(`${op}: model must be an nn.Module, got ${showValue(o.model)}`);
  if (o.optimizer !== undefined && !(o.optimizer instanceof Optimizer)) throw new Error(`${op}: optimizer must be an optim.Optimizer, got ${showValue(o.optimizer)}`);
  for (const k of ['scheduler', 'dataLoader'])
    if (o[k] !== undefined && !stateful(o[k])) throw new Error(`${op}: ${k} must have stateDict() and loadStateDict(), got ${showValue(o[k])}`);
  for (const k of ['epoch', 'step']) if (o[k] !== undefined && !count(o[k])) throw new Error(`${op}: ${k} must be a non-negative integer, got ${showValue(o[k])}`);
  if (o.rng !== undefined && typeof o.rng !== 'boolean') throw new Error(`${op}: rng must be a boolean, got ${showValue(o.rng)}`);
}

/** The model's name of each parameter tensor (the first, when one is shared). */
function paramNames(model: Module): Map<Tensor, string> {
  const names = new Map<Tensor, string>();
  for (const [n, p] of model.namedParameters()) if (!names.has(p)) names.set(p, n);
  return names;
}

/**
 * Saves a training checkpoint to one safetensors file, atomically (a temporary file, fsync,
 * rename: a crash leaves the previous checkpoint or this one, never a torn file). Safetensors
 * readers (PyTorch's `safetensors.torch.load_file`) see `model.<key>` tensors and can load the
 * model from them.
 * ```ts
 * io.saveCheckpoint('ck.safetensors', { model, optimizer, scheduler, dataLoader: loader, epoch: 2 });
 * ```
 */
export function saveCheckpoint(file: string, parts: SaveCheckpointOptions): void {
  const op = 'saveCheckpoint';
  if (typeof file !== 'string' || file === '') throw new Error(`${op}: path must be a non-empty string, got ${showValue(file)}`);
  partsArg(op, parts);
  const { model, optimizer, scheduler, dataLoader, epoch, step, rng = true, extra } = parts;
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) tensors.set(MODEL + k, t);
  const metadata: Record<string, string> = { format: FORMAT };
  if (optimizer) {
    const names = paramNames(model);
    const state: Record<string, Record<string, number | { tensor: string }>> = {};
    let i = 0;
    const paramGroups = optimizer.paramGroups.map((g, gi) => {
      const { params, ...hyper } = g;
      const start = i;
      const groupNames = params.map((p, pi) => {
        const name = names.get(p);
        if (name === undefined) throw new Error(`${op}: the optimizer's parameter ${pi} in group ${gi} is not a parameter of the model, so it has no name to save its state under`);
        const s = optimizer.state.get(p);
        if (s) {
          const entry: Record<string, number | { tensor: string }> = {};
          for (const [k, v] of Object.entries(s)) {
            if (typeof v === 'number') { entry[k] = v; continue; }
            const key = `${OPT}${name}.${k}`;
            tensors.set(key, v);
            entry[k] = { tensor: key };
          }
          state[i] = entry;
        }
        i++;
        return name;
      });
      return { ...hyper, params: params.map((_, j) => start + j), paramNames: groupNames };
    });
    metadata.optimizer = toJson(op, 'the optimizer\'s param groups', { paramGroups, state });
  }
  if (scheduler) metadata.scheduler = toJson(op, 'the scheduler state', scheduler.stateDict());
  if (dataLoader) metadata.dataLoader = toJson(op, 'the data loader state', dataLoader.stateDict());
  if (epoch !== undefined) metadata.epoch = String(epoch);
  if (step !== undefined) metadata.step = String(step);
  if (rng) { const r = getRngState(); metadata.rng = JSON.stringify({ seed: r.seed.toString(), offset: r.offset.toString() }); }
  if (extra !== undefined) metadata.extra = toJson(op, 'extra', extra);
  try { saveSafetensors(tensors, file, metadata); } catch (e) { throw new Error(`${op}: ${(e as Error).message.replace(/^saveSafetensors: /, '')}`); }
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint}. Every malformed file (a torn one, a
 * plain safetensors model, metadata that is not JSON, optimizer state naming tensors that are
 * not there) throws an Error `loadCheckpoint: <file>: <what is wrong>`.
 * ```ts
 * const ck = io.loadCheckpoint('ck.safetensors');
 * model.loadStateDict(ck.modelState); optimizer.loadStateDict(ck.optimizerState!);
 * ```
 */
export function loadCheckpoint(file: string): Checkpoint {
  if (typeof file !== 'string' || file === '') throw new Error(`loadCheckpoint: path must be a non-empty string, got ${showValue(file)}`);
  const label = path.basename(file);
  let read: ReturnType<typeof readSafetensors>;
  try { read = readSafetensors(file); } catch (e) { throw new Error(`loadCheckpoint: ${(e as Error).message.replace(/^loadSafetensors: /, '')}`); }
  const { tensors, metadata } = read;
  try {
    return parse(tensors, metadata, (m: string): never => { throw new Error(`loadCheckpoint: ${label}: ${m}`); });
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
}

/** The checkpoint in a file's tensors and metadata, every part checked. */
function parse(tensors: Record<string, Tensor>, md: Record<string, string>, fail: (m: string) => never): Checkpoint {
  if (md.format === undefined)
    fail(`no "format" in the metadata: a safetensors file, but not a myelin checkpoint (load a plain model with io.loadSafetensors)`);
  if (md.format !== FORMAT) fail(`metadata format ${JSON.stringify(md.format)} is not ${JSON.stringify(FORMAT)}`);
  const json = (key: string): unknown => {
    if (md[key] === undefined) return undefined;
    try { return JSON.parse(md[key], reviver); } catch (e) { return fail(`metadata "${key}" is not valid JSON: ${(e as Error).message}`); }
  };
  const counter = (key: string): number | null => {
    if (md[key] === undefined) return null;
    const v = Number(md[key]);
    if (!/^\d+$/.test(md[key]) || !Number.isSafeInteger(v)) fail(`metadata "${key}" must be a non-negative integer, got ${JSON.stringify(md[key])}`);
    return v;
  };
  let rng: RngState | null = null;
  const r = json('rng');
  if (r !== undefined) {
    const digits = (v: unknown) => typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 2n ** 64n;
    if (!isObject(r) || !digits(r.seed) || !digits(r.offset)) fail(`metadata "rng" must be { seed, offset } as decimal strings of 64-bit integers, got ${md.rng.slice(0, 80)}`);
    rng = { seed: BigInt(r.seed as string), offset: BigInt(r.offset as string) };
  }
  const used = new Set<string>();
  const optimizerState = md.optimizer === undefined ? null : optimizerPart(json('optimizer'), tensors, used, fail);
  const modelState = new Map<string, Tensor>();
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(MODEL)) modelState.set(k.slice(MODEL.length), t);
    else if (!used.has(k)) fail(`tensor "${k}" is neither a model tensor ("${MODEL}...") nor optimizer state the metadata names`);
  }
  return { modelState, optimizerState, schedulerState: json('scheduler') ?? null, dataLoaderState: json('dataLoader') ?? null,
    epoch: counter('epoch'), step: counter('step'), rng, extra: json('extra') };
}

/** The optimizer metadata { paramGroups: [{..., params, paramNames}], state: {i: {k: number | {tensor}}} }, checked. */
function optimizerPart(o: unknown, tensors: Record<string, Tensor>, used: Set<string>, fail: (m: string) => never): OptimizerCheckpoint {
  if (!isObject(o) || !Array.isArray(o.paramGroups) || !isObject(o.state)) fail(`metadata "optimizer" must be { paramGroups: [...], state: {...} }`);
  const { paramGroups: groups, state: st } = o as { paramGroups: unknown[]; state: Record<string, unknown> };
  let n = 0;
  const paramGroups: Record<string, unknown>[] = [], paramNames: string[][] = [];
  groups.forEach((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.params) || !Array.isArray(g.paramNames)) fail(`optimizer param group ${gi} must have params and paramNames arrays`);
    const { params, paramNames: names, ...hyper } = g as { params: unknown[]; paramNames: unknown[] };
    if (params.length !== names.length) fail(`optimizer param group ${gi} has ${params.length} params but ${names.length} paramNames`);
    // indices run 0, 1, 2, ... across the groups, as Optimizer.stateDict numbers them
    params.forEach((p, j) => { if (p !== n + j) fail(`optimizer param group ${gi}: params[${j}] must be ${n + j}, got ${showValue(p)}`); });
    names.forEach((s, j) => { if (typeof s !== 'string' || s === '') fail(`optimizer param group ${gi}: paramNames[${j}] must be a non-empty string, got ${showValue(s)}`); });
    n += params.length;
    paramGroups.push({ ...hyper, params: [...params] });
    paramNames.push(names as string[]);
  });
  const state: Record<number, Record<string, Tensor | number>> = {};
  for (const [i, s] of Object.entries(st)) {
    const idx = Number(i);
    if (!/^\d+$/.test(i) || idx >= n) fail(`optimizer state for parameter "${i}", but the param groups hold parameters 0 to ${n - 1}`);
    if (!isObject(s)) fail(`optimizer state of parameter ${i} must be an object, got ${showValue(s)}`);
    const entry: Record<string, Tensor | number> = {};
    for (const [k, v] of Object.entries(s)) {
      if (typeof v === 'number') { entry[k] = v; continue; }
      const key = isObject(v) ? v.tensor : undefined;
      if (typeof key !== 'string' || !key.startsWith(OPT)) fail(`optimizer state "${k}" of parameter ${i} must be a number or { tensor: "${OPT}..." }, got ${showValue(v)}`);
      if (!(key in tensors)) fail(`optimizer state "${k}" of parameter ${i} names tensor "${key}", which the file does not have`);
      used.add(key);
      entry[k] = tensors[key];
    }
    state[idx] = entry;
  }
  return { state, paramGroups, paramNames };
}

/**
 * Loads a checkpoint into a model (and optimizer, scheduler, data loader, generator, when
 * given), as `model.load_state_dict(ck['model'])` and friends in PyTorch. The optimizer's state
 * is matched by parameter NAME (the model's names), so a name the checkpoint lacks is an Error,
 * never state silently given to another parameter. A refused resume (a named Error) leaves the
 * model, optimizer, scheduler, loader and generator as they were. Returns the epoch, step and extra.
 * ```ts
 * const { epoch } = io.resume('ck.safetensors', { model, optimizer, scheduler, dataLoader: loader });
 * for (let e = epoch! + 1; e <= 4; e++) ...
 * ```
 */
export function resume(file: string, parts: ResumeOptions): { epoch: number | null; step: number | null; extra: unknown } {
  const op = 'resume';
  if (typeof file !== 'string' || file === '') throw new Error(`${op}: path must be a non-empty string, got ${showValue(file)}`);
  partsArg(op, parts);
  const { model, optimizer, scheduler, dataLoader, rng = true } = parts;
  const label = path.basename(file);
  const fail = (m: string): never => { throw new Error(`${op}: ${label}: ${m}`); };
  const ck = loadCheckpoint(file);
  try {
    fits(model, ck.modelState, fail);
    const optSd = optimizer ? byName(model, optimizer, ck, fail) : null;
    if (scheduler && ck.schedulerState === null) fail('a scheduler was given, but the checkpoint has no scheduler state');
    if (dataLoader && ck.dataLoaderState === null) fail('a dataLoader was given, but the checkpoint has no data loader state');
    // The parts' own loadStateDict checks come last; each refuses before it changes anything,
    // and the ones already loaded are put back, so a refused resume leaves every part as it was.
    const undo: (() => void)[] = [];
    const load = (what: string, part: Stateful, state: unknown) => {
      const before = part.stateDict();
      try { part.loadStateDict(state); } catch (e) { undo.reverse().forEach((u) => u()); fail(`${what}: ${(e as Error).message}`); }
      undo.push(() => part.loadStateDict(before));
    };
    if (scheduler) load('scheduler', scheduler, ck.schedulerState);
    if (dataLoader) load('dataLoader', dataLoader, ck.dataLoaderState);
    if (optimizer) {
      try { optimizer.loadStateDict(optSd!); } catch (e) { undo.reverse().forEach((u) => u()); fail(`optimizer: ${(e as Error).message}`); }
    }
    model.loadStateDict(ck.modelState);  // its keys and shapes were checked above
    if (rng && ck.rng) setRngState(ck.rng);
    return { epoch: ck.epoch, step: ck.step, extra: ck.extra };
  } finally {
    // the model copied the values in and the optimizer cloned its state: these are spare
    for (const t of ck.modelState.values()) t.dispose();
    if (ck.optimizerState) for (const s of Object.values(ck.optimizerState.state)) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
  }
}

/** Refuses model weights that loadStateDict (strict) would refuse, before any part is loaded. */
function fits(model: Module, sd: Map<string, Tensor>, fail: (m: string) => never): void {
  const own = model.stateDict();
  const errors: string[] = [];
  for (const [k, t] of own) {
    const v = sd.get(k);
    if (!v) errors.push(`missing "${k}"`);
    else if (v.shape.join(',') !== t.shape.join(',')) errors.push(`size mismatch for ${k}: [${v.shape.join(', ')}] in the checkpoint, [${t.shape.join(', ')}] in the model`);
  }
  for (const k of sd.keys()) if (!own.has(k)) errors.push(`unexpected "${k}"`);
  if (errors.length) fail(`the checkpoint's model weights do not fit this ${model.constructor.name}: ${errors.slice(0, 4).join('; ')}${errors.length > 4 ? `; and ${errors.length - 4} more` : ''}`);
}

/** The checkpoint's optimizer state re-indexed to `optimizer`'s current parameters, by the model's names. */
function byName(model: Module, optimizer: Optimizer, ck: Checkpoint, fail: (m: string) => never): OptimizerCheckpoint {
  const saved = ck.optimizerState;
  if (!saved) return fail('an optimizer was given, but the checkpoint has no optimizer state');
  if (saved.paramGroups.length !== optimizer.paramGroups.length)
    fail(`the checkpoint's optimizer has ${saved.paramGroups.length} param group(s), this one ${optimizer.paramGroups.length}`);
  const names = paramNames(model);
  const state: Record<number, Record<string, Tensor | number>> = {};
  let i = 0, base = 0;
  const paramGroups = optimizer.paramGroups.map((g, gi) => {
    const savedNames = saved.paramNames[gi];
    if (savedNames.length !== g.params.length)
      fail(`optimizer group ${gi} has ${g.params.length} parameters, the checkpoint's ${savedNames.length}`);
    const params = g.params.map((p) => {
      const name = names.get(p);
      if (name === undefined) fail(`the optimizer's parameter ${i} is not a parameter of the model, so its state cannot be found by name`);
      const j = savedNames.indexOf(name!);
      if (j < 0) fail(`optimizer parameter "${name}" (group ${gi}) has no state in the checkpoint, whose group ${gi} holds ${savedNames.slice(0, 6).map((s) => `"${s}"`).join(', ')}${savedNames.length > 6 ? ', ...' : ''}`);
      const s = saved.state[base + j];
      if (s) {
        for (const [k, v] of Object.entries(s)) {
          // per-parameter buffers (Adam's moments) have the parameter's shape; a scalar tensor may be a step count
          if (v instanceof Tensor && v.numel() !== 1 && v.shape.join(',') !== p.shape.join(','))
            fail(`optimizer state "${k}" of "${name}" has shape [${v.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
        }
        state[i] = s;
      }
      return i++;
    });
    base += savedNames.length;
    return { ...saved.paramGroups[gi], params };
  });
  return { state, paramGroups, paramNames: saved.paramNames };
}
