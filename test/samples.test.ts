// Op samples against PyTorch: every sample of test/samples/*.ts (exported to
// test/fixtures/samples.json) runs through its op's row of test/op_table.ts and must match the
// outputs torch computed from the same inputs (test/fixtures/samples_torch.json, written by
// scripts/gen_sample_fixtures.py) at the row's tolerances, as test/conformance.test.ts checks
// its cases: shape, dtype, values, storage sharing for views, inputs left unchanged, and
// torch's rejections thrown. The first test fails when the export is stale.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tidy } from '../ts/index';
import { FIXTURE_DIR, outputsOf, readResult, compare, sameValues } from './helpers';
import { samplesJson } from './samples/all';
import { loadSamples, loadTorchOutputs, currentDigest, rowFor, buildInputs, runRow, type Loaded, type TorchOut } from './samples/run';

const samples = loadSamples();
const torch = loadTorchOutputs();

function check(s: Loaded, t: TorchOut): void {
  const row = rowFor(s.op);
  tidy(() => {
    const { x, bases } = buildInputs(s.in);
    const before = bases.map((b) => (b ? readResult(b).data : undefined));
    if (t.error !== undefined) {
      let thrown: unknown;
      try { runRow(s.op, x, s.args); } catch (e) { thrown = e; }
      expect(thrown, `torch rejects this (${t.error}); myelin returned a result`).toBeInstanceOf(Error);
      return;
    }
    const outs = outputsOf(runRow(s.op, x, s.args));
    const expected = t.out ?? [];
    expect(outs.length, 'number of outputs').toBe(expected.length);
    let results = outs.map(readResult);
    if (row.normalize) results = row.normalize(results, s.args ?? {});
    const problems: string[] = [];
    results.forEach((r, k) => {
      const tol = row.tol?.[expected[k].dtype as 'float32' | 'float64'];
      for (const p of compare(r, expected[k], tol)) problems.push(`output ${k}: ${p}`);
      const shares = expected[k].shares;
      if (shares !== undefined && bases[0] && outs[k].sharesStorageWith(bases[0]) !== shares)
        problems.push(`output ${k} ${shares ? 'should be a view of' : 'should not share storage with'} input 0 (torch's ${shares ? 'is' : 'is not'})`);
    });
    bases.forEach((b, k) => {
      if (b && !(row.inplace && k === 0) && !sameValues(b, before[k]!)) problems.push(`input ${k} was modified`);
    });
    if (problems.length) throw new Error(`${s.id}:\n  ${problems.join('\n  ')}`);
  });
}

describe(`op samples vs torch ${torch.torch}`, () => {
  it('test/fixtures/samples.json is the export of test/samples/*.ts (else: npx vite-node scripts/export_samples.ts)', () => {
    expect(readFileSync(join(FIXTURE_DIR, 'samples.json'), 'utf8') === samplesJson()).toBe(true);
  });
  for (const s of samples) {
    it(s.id, () => {
      const t = torch.outputs[s.id];
      expect(t, `no torch outputs for ${s.id}: run scripts/gen_sample_fixtures.py`).toBeDefined();
      expect(t.digest, `${s.id} changed since torch's outputs were computed: run scripts/gen_sample_fixtures.py`).toBe(currentDigest(s));
      check(s, t);
    });
  }
});
