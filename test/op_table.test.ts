// The guard: the native op list (native/ops.def, through the addon), the TypeScript
// registry (ts/ops/registry.ts) and the test table (test/op_table.ts) must hold the same
// op ids, every op and composite must have fixture cases, and the fixtures must cover
// non-contiguous, 0-d and empty inputs unless an exemption below says why not.
import { describe, it, expect } from 'vitest';
import * as myelin from '../ts/index';
import { OPS, Tensor } from '../ts/index';
import { native } from '../ts/binding';
import { DIFFERENTIABLE, IN_PLACE_RECORDED } from '../ts/autograd/formulas';
import { OP_TABLE, COMPOSITES } from './op_table';
import { FAMILIES, loadAllFixtures, type Case, type TensorSpec } from './helpers';

const nativeIds = native.op_list();
const registryIds = OPS.map((r) => r.id);
const tableKeys = Object.keys(OP_TABLE);
const composites = new Set<string>(COMPOSITES);
const fixtures = loadAllFixtures();
const cases: (Case & { family: string })[] = fixtures.flatMap((f) => f.cases.map((c) => ({ ...c, family: f.family })));
const casesOf = (op: string) => cases.filter((c) => c.op === op);

const missing = (from: readonly string[], inList: readonly string[]) => from.filter((id) => !inList.includes(id));

// Ops whose cases have no tensor input: creation from shapes and numbers, and random fills
// whose tensor the row itself creates.
const NO_TENSOR_INPUT = new Set(['from_array', 'full', 'arange', 'linspace', 'eye', 'uniform_', 'normal_', 'randint', 'randperm', 'rand', 'randn']);
// Ops excused from a coverage kind, with the reason: { kind: { op: 'why' } }. Where torch
// rejects such an input, an error case covers it instead (error cases count as coverage).
const EXEMPT: Record<'noncontig' | '0d' | 'empty', Record<string, string>> = {
  noncontig: {
    adam_step_: 'fused steps take the contiguous parameters and states an optimizer owns (non-contiguous ones throw); ts/optim uses in-place ops for others',
    sgd_step_: 'as adam_step_', rmsprop_step_: 'as adam_step_', adagrad_step_: 'as adam_step_',
  },
  '0d': {}, empty: {},
};

function tensorInputs(c: Case): TensorSpec[] {
  return c.in.filter((i): i is TensorSpec => !('scalar' in i));
}

describe('op tables', () => {
  it('the native op list and the TS registry hold the same ids, in the same order', () => {
    expect(missing(nativeIds, registryIds), 'native ops missing from ts/ops/registry.ts').toEqual([]);
    expect(missing(registryIds, nativeIds), 'registry rows with no native op').toEqual([]);
    expect(registryIds).toEqual(nativeIds);
    expect(new Set(registryIds).size, 'duplicate registry ids').toBe(registryIds.length);
  });

  it('every registry op has a test row, and every row is an op or a declared composite', () => {
    expect(missing(registryIds, tableKeys), 'ops missing from test/op_table.ts').toEqual([]);
    const stray = tableKeys.filter((k) => !registryIds.includes(k) && !composites.has(k));
    expect(stray, 'rows that are neither an op id nor in COMPOSITES').toEqual([]);
    expect(missing([...composites], tableKeys), 'COMPOSITES without a row').toEqual([]);
    expect([...composites].filter((k) => registryIds.includes(k)), 'composites that are op ids').toEqual([]);
    for (const [k, row] of Object.entries(OP_TABLE))
      expect(!!(row.run || row.sample), `row ${k} has neither run nor sample`).toBe(true);
  });

  it("every registry row's grad column holds: rules exist, recorded and in-place ops are recorded", () => {
    const api = (r: (typeof OPS)[number]) => r.api.replace(/^fn:/, '');
    const byKind = (k: string) => OPS.filter((r) => r.grad === k);
    expect(byKind('rule').filter((r) => !DIFFERENTIABLE.includes(api(r))).map((r) => r.id), 'rule rows without a rule').toEqual([]);
    expect(byKind('inplace').filter((r) => !IN_PLACE_RECORDED.includes(api(r))).map((r) => r.id), 'in-place rows not recorded').toEqual([]);
    // the conv family records its own backward (test/conv_gradcheck.test.ts gradchecks each), and cat does
    const conv = OPS.filter((r) => r.family === 'conv' && typeof r.grad !== 'object').map((r) => r.id);
    expect(byKind('record').map((r) => r.id).sort()).toEqual([...conv, 'cat'].sort());
    // an op with no gradient gives results that do not require grad, or refuses
    for (const r of OPS.filter((o) => typeof o.grad === 'object')) expect((r.grad as { none: string }).none.length, r.id).toBeGreaterThan(5);
    const x = myelin.tensor([1.5, -2, 3]).requiresGrad_();
    for (const t of [x.gt(0), x.argmax(), x.isnan(), x.eq(x), x.any()]) expect(t.requiresGrad).toBe(false);
  });

  it("every registry row's api is reachable in the public API", () => {
    const unreachable = OPS.filter((r) => {
      if (r.api.startsWith('fn:')) return typeof (myelin as Record<string, unknown>)[r.api.slice(3)] !== 'function';
      return !(r.api in Tensor.prototype);
    }).map((r) => `${r.id} -> ${r.api}`);
    expect(unreachable).toEqual([]);
  });

  it('every op and composite has fixture cases, filed under its registry family', () => {
    expect(fixtures.map((f) => f.family)).toEqual([...FAMILIES]);
    expect(missing(tableKeys, cases.map((c) => c.op)), 'rows without fixture cases').toEqual([]);
    expect([...new Set(cases.map((c) => c.op))].filter((op) => !(op in OP_TABLE)), 'fixture ops without a row').toEqual([]);
    const misfiled = OPS.flatMap((r) => casesOf(r.id).filter((c) => c.family !== r.family).map((c) => `${c.op} ${c.name} in ${c.family}.json, registry says ${r.family}`));
    expect(misfiled).toEqual([]);
    const keys = cases.map((c) => `${c.op} ${c.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i), 'duplicate test names').toEqual([]);
  });

  it('every op has reference cases beyond error cases, and random ops have statistical ones', () => {
    const noValues = tableKeys.filter((op) => !casesOf(op).some((c) => c.out || c.stats));
    expect(noValues).toEqual([]);
    const randomRows = tableKeys.filter((k) => OP_TABLE[k].sample);
    expect(randomRows.filter((op) => !casesOf(op).some((c) => c.stats)), 'sample() rows without stats cases').toEqual([]);
  });

  it('fixtures cover non-contiguous, 0-d and empty inputs for every op that takes tensors', () => {
    const gaps: string[] = [];
    for (const op of tableKeys) {
      if (NO_TENSOR_INPUT.has(op)) continue;
      const withValues = casesOf(op).filter((c) => !c.stats);  // reference and error cases
      const has = {
        noncontig: withValues.some((c) => tensorInputs(c).some((t) => t.view?.length)),
        '0d': withValues.some((c) => tensorInputs(c).some((t) => t.shape.length === 0)),
        empty: withValues.some((c) => tensorInputs(c).some((t) => t.shape.includes(0))),
      };
      for (const kind of ['noncontig', '0d', 'empty'] as const)
        if (!has[kind] && !(op in EXEMPT[kind])) gaps.push(`${op}: no ${kind} input`);
    }
    expect(gaps).toEqual([]);
  });
});
