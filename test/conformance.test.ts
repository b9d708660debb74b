// Conformance: every op against values PyTorch computed (test/fixtures, written by
// scripts/gen_fixtures.py). One test per fixture case, named "<op id> <case name>", run
// through the op's row of the test table (test/op_table.ts) with the public API only.
// Each case checks the outputs' shape, dtype and values; that inputs were left unchanged;
// storage sharing for views; that rejected inputs throw; and, for random ops, the sample's
// distribution and its determinism under manualSeed.
import { describe, it, expect } from 'vitest';
import { manualSeed, tidy, Tensor } from '../ts/index';
import { OP_TABLE, type OpTest } from './op_table';
import {
  type Case, type BuiltInput, loadAllFixtures, buildInput, outputsOf, readResult, compare, checkStats, sameValues,
} from './helpers';

function rowFor(c: Case): OpTest {
  const row = OP_TABLE[c.op];
  if (!row) throw new Error(`no row for op '${c.op}' in test/op_table.ts`);
  return row;
}

function runCase(c: Case): void {
  const row = rowFor(c);
  const args = c.args ?? {};
  tidy(() => {
    const built: BuiltInput[] = c.in.map(buildInput);
    const before = built.map((b) => (b.base ? readResult(b.base).data : undefined));
    const x = built.map((b) => b.value);
    const run = () => {
      if (!row.run) throw new Error(`row '${c.op}' has no run()`);
      return row.run(x, args);
    };

    if (c.error !== undefined) {
      let thrown: unknown;
      try { run(); } catch (e) { thrown = e; }
      expect(thrown, `torch rejects this (${c.error}); myelin returned a result`).toBeInstanceOf(Error);
      // a placeholder kernel's "pending" is not the rejection the case asks for
      expect((thrown as Error).message).not.toMatch(/: pending$/);
      return;
    }

    const outs = outputsOf(run());
    const expected = c.out ?? [];
    expect(outs.length, 'number of outputs').toBe(expected.length);
    let results = outs.map(readResult);
    if (row.normalize) results = row.normalize(results, args);
    const problems: string[] = [];
    results.forEach((r, k) => {
      const tol = row.tol?.[expected[k].dtype as 'float32' | 'float64'];
      for (const p of compare(r, expected[k], tol)) problems.push(expected.length > 1 ? `output ${k}: ${p}` : p);
      const shares = expected[k].shares;
      const base = built[0]?.base;
      if (shares !== undefined && base && outs[k].sharesStorageWith(base) !== shares)
        problems.push(`output ${k} ${shares ? 'should be a view of' : 'should not share storage with'} input 0 (torch's result ${shares ? 'is' : 'is not'})`);
    });
    // ops other than the in-place ones leave their inputs alone
    built.forEach((b, k) => {
      if (!b.base || (row.inplace && k === 0)) return;
      if (!sameValues(b.base, before[k]!))
        problems.push(`input ${k} was modified`);
    });
    if (problems.length) throw new Error(`${c.op} ${c.name}:\n  ${problems.join('\n  ')}`);
  });
}

const SEED = 1234;

function runStatsCase(c: Case): void {
  const row = rowFor(c);
  const args = c.args ?? {};
  if (!row.sample) throw new Error(`row '${c.op}' has no sample()`);
  const stats = c.stats!;
  tidy(() => {
    manualSeed(SEED);
    const a = row.sample!(args);
    expect(a).toBeInstanceOf(Tensor);
    const problems = checkStats(a, stats);
    if (problems.length) throw new Error(`${c.op} ${c.name}:\n  ${problems.join('\n  ')}`);
    // the same seed repeats the sample bit for bit; the generator advances between draws
    const next = row.sample!(args);
    manualSeed(SEED);
    const b = row.sample!(args);
    const av = readResult(a).data;
    expect(readResult(b).data, 'same seed, same sample').toEqual(av);
    const varies = av.length >= 10 && stats.std !== 0 && !(stats.min !== undefined && stats.min === stats.max);
    if (varies) {
      expect(readResult(next).data, 'a second draw differs from the first').not.toEqual(av);
      manualSeed(SEED + 1);
      expect(readResult(row.sample!(args)).data, 'another seed, another sample').not.toEqual(av);
    }
  });
}

for (const fx of loadAllFixtures()) {
  describe(`${fx.family} (torch ${fx.torch})`, () => {
    for (const c of fx.cases) {
      it(`${c.op} ${c.name}`, () => (c.stats ? runStatsCase(c) : runCase(c)));
    }
  });
}
