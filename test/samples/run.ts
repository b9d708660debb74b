// Running op samples: loading the exported samples and torch's outputs for them, building a
// sample's inputs (optionally cast to another dtype or moved to a device), and running it
// through its op's row of the test table (test/op_table.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, type DType } from '../../ts/index';
import { OP_TABLE, type OpTest, type Output } from '../op_table';
import { type Args, type InputSpec, type TensorSpec, type Input, FIXTURE_DIR, decodeArgs, baseTensor, applyView } from '../helpers';
import { type ExportedSample, encArg } from './sample';
import { digestOf } from './all';

export type Loaded = ExportedSample & { digest: string };
export interface TorchOut { digest: string; out?: TensorSpec[]; error?: string }

export function loadSamples(): Loaded[] {
  const j = JSON.parse(readFileSync(join(FIXTURE_DIR, 'samples.json'), 'utf8')) as { samples: Loaded[] };
  return j.samples.map((s) => ({ ...s, args: s.args ? decodeArgs(s.args) : undefined }));
}
export function loadTorchOutputs(): { torch: string; outputs: Record<string, TorchOut> } {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'samples_torch.json'), 'utf8'));
}
/** The digest a sample has now (exported from test/samples/*.ts) vs. the one its file carries. */
export function currentDigest(s: Loaded): string {
  const { digest: _d, ...rest } = s;
  if (rest.args) rest.args = encArg(rest.args) as Args; else delete rest.args;
  return digestOf(rest as ExportedSample);
}

export function rowFor(op: string): OpTest {
  const row = OP_TABLE[op];
  if (!row?.run) throw new Error(`no run() row for op '${op}' in test/op_table.ts`);
  return row;
}

const FLOATS = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);
export interface Built { x: Input[]; bases: (Tensor | undefined)[] }
/**
 * A sample's inputs. `cast`: floating inputs are converted to that dtype, or through each
 * dtype of a list in turn (integer and bool inputs stay); `device`: tensors are moved there
 * before the view ops apply.
 */
export function buildInputs(specs: InputSpec[], cast?: DType | DType[], device?: string): Built {
  const casts = cast === undefined ? [] : Array.isArray(cast) ? cast : [cast];
  const x: Input[] = [], bases: (Tensor | undefined)[] = [];
  for (const spec of specs) {
    if ('scalar' in spec) {
      const v = spec.scalar;
      x.push(typeof v === 'boolean' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
      bases.push(undefined);
      continue;
    }
    const clean: TensorSpec = { ...spec, data: spec.data?.map((v) => (v === '-0' ? -0 : v)) };
    let base = baseTensor({ ...clean, view: undefined });
    if (FLOATS.has(base.dtype)) for (const c of casts) if (base.dtype !== c) base = base.to(c);
    if (device && device !== 'cpu') base = base.to(device as never);
    bases.push(base);
    x.push(applyView(base, spec.view as never));
  }
  return { x, bases };
}

export const runRow = (op: string, x: Input[], args: Args | undefined): Output => rowFor(op).run!(x, args ?? {});
