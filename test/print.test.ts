// Printing big and high-rank tensors (issue 14, item 10) against torch's own str()
// (scripts/gen_print_fixtures.py writes test/fixtures/print_big.json), and the cost of
// printing: only the shown corners are read back, so 3e7 elements print from a small heap.
import { describe, it, expect } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as m from '../ts/index';
import { printStats } from '../ts/print';

interface Make { op: 'arange' | 'zeros' | 'values'; n?: number; dtype: m.DType; shape: number[]; scale?: number; offset?: number; mod3?: boolean; transpose?: boolean; values?: string[] }
interface Case { name: string; make: Make; str?: string; len?: number; sha256?: string }

/** The tensor the fixture's recipe describes, built as the Python script builds it. */
function build(k: Make): m.Tensor {
  if (k.op === 'zeros') return m.zeros(k.shape, { dtype: k.dtype });
  if (k.op === 'values') return m.tensor(k.values!.map((v) => BigInt(v)), { dtype: k.dtype });
  const float = k.dtype === 'float32' || k.dtype === 'float64';
  const plain = k.scale === undefined && !k.offset && !k.mod3;  // arange straight in the dtype: the same values, 3x less work
  let t = m.arange(0, k.n!, 1, { dtype: plain ? k.dtype : float ? 'float64' : 'int64' });
  if (k.scale !== undefined && k.scale !== 1) t = t.mul(k.scale);
  if (k.offset) t = t.add(k.offset);
  if (k.mod3) t = t.sub(t.div(3).floor().mul(3)).eq(0);
  t = t.to(k.dtype).reshape(k.shape);
  return k.transpose ? t.t() : t;
}

describe('printing big and high-rank tensors matches torch str()', () => {
  const cases: Case[] = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'print_big.json'), 'utf8'));
  for (const c of cases) {
    it(c.name, () => {
      const t = build(c.make);
      const s = t.toString();
      if (c.str !== undefined) expect(s).toBe(c.str);
      else {
        expect(s.length).toBe(c.len);
        expect(createHash('sha256').update(s).digest('hex')).toBe(c.sha256);
      }
      t.dispose();
    }, 60_000);
  }
});

describe('printing reads only what it shows', () => {
  it('a summarized tensor reads its corners: 36 of 3e7 elements for [30000, 1000]', () => {
    const t = m.zeros([30000, 1000]);
    const before = printStats.elementsRead;
    const s = String(t);
    expect(printStats.elementsRead - before).toBe(36);
    expect(s.split('\n').length).toBe(7);
    t.dispose();
  });
  it('at most 6 per dim: 6^4 for [10, 10, 10, 10]; an [11] * 3 permuted view likewise; all of a small one', () => {
    const a = m.zeros([10, 10, 10, 10]);
    let before = printStats.elementsRead;
    String(a);
    expect(printStats.elementsRead - before).toBe(6 ** 4);
    const b = m.arange(0, 1331, 1, { dtype: 'float32' }).reshape(11, 11, 11).permute(2, 0, 1);
    before = printStats.elementsRead;
    String(b);
    expect(printStats.elementsRead - before).toBe(6 ** 3);
    before = printStats.elementsRead;
    String(m.zeros(7, 7, 7));  // 343 elements: under torch's threshold of 1000, all shown
    expect(printStats.elementsRead - before).toBe(343);
  });
  it('the 7-d [6] * 7 tensor that threw RangeError prints', () => {
    expect(() => String(m.zeros([6, 6, 6, 6, 6, 6, 6]))).not.toThrow();
  });
  it('printing 3e7 elements works under a 64 MB heap (it ran out of memory and aborted)', () => {
    // the library bundled to one CommonJS file (esbuild, which vitest brings), run in a child
    // with a small V8 heap; the tensor's 120 MB live in native memory, outside the heap
    const esbuild = require('esbuild') as typeof import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'myelin-print-'));
    try {
      const bundle = join(dir, 'myelin.cjs');
      esbuild.buildSync({ entryPoints: [join(__dirname, '..', 'ts', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
      const script = `const m = require(${JSON.stringify(bundle)});
        const t = m.arange(0, 3e7, 1, { dtype: 'float32' }).reshape(30000, 1000);
        const t0 = Date.now(); const s = String(t);
        process.stdout.write(JSON.stringify({ lines: s.split('\\n').length, ms: Date.now() - t0 }));`;
      const r = spawnSync(process.execPath, ['--max-old-space-size=64', '-e', script], {
        encoding: 'utf8', timeout: 60_000,
        // the bundle sits outside the package: point it at the addon under test (CI's other builds set MYELIN_ADDON)
        env: { ...process.env, MYELIN_ADDON: process.env.MYELIN_ADDON ?? join(__dirname, '..', 'build', 'Release', 'myelin.node') },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).lines).toBe(13);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
  it('disposed tensors and empty ones print without reading', () => {
    const t = m.zeros(3);
    t.dispose();
    const before = printStats.elementsRead;
    expect(String(t)).toBe('tensor(<disposed>)');
    expect(String(m.zeros(0, 3))).toBe('tensor([], size=(0, 3))');
    expect(printStats.elementsRead).toBe(before);
  });
});
