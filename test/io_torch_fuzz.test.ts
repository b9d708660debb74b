// io.loadTorch under mutation: valid torch.save files with bit flips, truncation, byte inserts
// and deletes, and edits of the zip's length/offset fields and of random 4-byte words. Every
// case must load or throw an Error naming loadTorch (never a crash, a hang or a non-Error).
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import * as m from '../ts/index';
import { tensorsIn } from '../ts/io/inspect';

const dir = path.join(__dirname, 'fixtures', 'torch');
const seeds = ['dtypes.pt', 'layouts.pt', 'layouts_p4.pt', 'checkpoint.pt'].map((f) => fs.readFileSync(path.join(dir, f)));

/** Offsets of the zip's size, length and offset fields (local headers, central directory, end record). */
function lengthFields(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    const sig = b.readUInt32LE(i);
    if (sig === 0x04034b50) out.push(i + 18, i + 22, i + 26, i + 28);
    else if (sig === 0x02014b50) out.push(i + 20, i + 24, i + 28, i + 30, i + 32, i + 42);
    else if (sig === 0x06054b50) out.push(i + 8, i + 10, i + 12, i + 16, i + 20);
  }
  return out.filter((o) => o + 4 <= b.length);
}
const fields = seeds.map(lengthFields);
const WORDS = [0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000, 64, 4096];

type Mutation = [kind: number, at: number, value: number];
function mutate(src: Buffer, fieldsOf: number[], muts: Mutation[]): Uint8Array {
  let b = Buffer.from(src);
  for (const [kind, at, value] of muts) {
    const i = at % Math.max(1, b.length);
    switch (kind) {
      case 0: b[i] ^= 1 << (value % 8); break;                                   // bit flip
      case 1: b = b.subarray(0, i); break;                                       // truncate
      case 2: b = Buffer.concat([b.subarray(0, i), Buffer.of(value & 0xff), b.subarray(i)]); break;  // insert
      case 3: b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]); break;  // delete
      case 4: {                                                                  // a zip length field
        const o = fieldsOf[value % fieldsOf.length];
        if (o + 4 <= b.length) b.writeUInt32LE((WORDS[at % WORDS.length] + (value % 3) - 1) >>> 0, o);
        break;
      }
      default: if (i + 4 <= b.length) b.writeUInt32LE(WORDS[value % WORDS.length], i);  // any 4-byte word
    }
  }
  return b;
}

describe('loadTorch: fuzz', () => {
  it('10,000 mutated files each load or throw a named Error', async () => {
    let loaded = 0, rejected = 0;
    const t0 = Date.now();
    await fc.assert(fc.asyncProperty(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(1 << 16), fc.nat(1 << 16)), { minLength: 1, maxLength: 4 }),
      async (s, muts) => {
        const bytes = mutate(seeds[s], fields[s], muts);
        try {
          const v = await m.io.loadTorch(bytes);
          loaded++;
          for (const [, t] of tensorsIn(v)) if (!t.isDisposed) t.dispose();
        } catch (e) {
          rejected++;
          if (!(e instanceof Error)) throw new Error(`non-Error thrown: ${String(e)}`);
          if (!e.message.startsWith('loadTorch: <bytes>: ')) throw new Error(`unnamed error: ${e.message}`);
        }
      }), { numRuns: 10_000, seed: 16 });
    const secs = (Date.now() - t0) / 1000;
    console.log(`loadTorch fuzz: ${loaded} loaded, ${rejected} rejected in ${secs.toFixed(1)} s`);
    expect(loaded + rejected).toBe(10_000);
    expect(rejected).toBeGreaterThan(1000);  // the mutations do reach the checks
    expect(loaded).toBeGreaterThan(100);     // and many flips land in data bytes, which still load
  }, 120_000);
});
