// readIdx on valid files of every IDX type and on >= 10 kinds of corrupt input (each a clear Error).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as my from '../ts/index';

const { readIdx, loadMnist } = my.data;
let dir: string;

/** An IDX buffer: magic (code, ndim), big-endian dims, then payload bytes. */
function idxBytes(code: number, dims: number[], payload: Uint8Array | number[] = []): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = code; h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(payload as number[])]);
}
const write = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'myelin-idx-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('readIdx decodes every type (big-endian)', () => {
  it('uint8 and int8', () => {
    const u = readIdx(write('u8', idxBytes(0x08, [2, 3], [0, 1, 2, 253, 254, 255])));
    expect(u).toMatchObject({ type: 'uint8', shape: [2, 3] });
    expect([...u.data]).toEqual([0, 1, 2, 253, 254, 255]);
    const s = readIdx(write('i8', idxBytes(0x09, [3], [0x7f, 0x80, 0xff])));
    expect(s.type).toBe('int8');
    expect([...s.data]).toEqual([127, -128, -1]);
  });
  it('int16, int32, float32, float64', () => {
    const b16 = Buffer.alloc(4); b16.writeInt16BE(-2, 0); b16.writeInt16BE(300, 2);
    expect([...readIdx(write('i16', idxBytes(0x0b, [2], b16))).data]).toEqual([-2, 300]);
    const b32 = Buffer.alloc(8); b32.writeInt32BE(-70000, 0); b32.writeInt32BE(123456789, 4);
    expect([...readIdx(write('i32', idxBytes(0x0c, [2], b32))).data]).toEqual([-70000, 123456789]);
    const f32 = Buffer.alloc(8); f32.writeFloatBE(1.5, 0); f32.writeFloatBE(-0.25, 4);
    const r = readIdx(write('f32', idxBytes(0x0d, [1, 2], f32)));
    expect(r).toMatchObject({ type: 'float32', shape: [1, 2] });
    expect([...r.data]).toEqual([1.5, -0.25]);
    const f64 = Buffer.alloc(16); f64.writeDoubleBE(Math.PI, 0); f64.writeDoubleBE(-1e300, 8);
    expect([...readIdx(idxBytes(0x0e, [2], f64), 'buf').data]).toEqual([Math.PI, -1e300]);
  });
  it('4 dims', () => {
    const r = readIdx(write('d4', idxBytes(0x08, [1, 2, 1, 3], [1, 2, 3, 4, 5, 6])));
    expect(r.shape).toEqual([1, 2, 1, 3]);
  });
});

describe('readIdx rejects corrupt input with an Error naming the file and the problem', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['bad magic', () => { const b = idxBytes(0x08, [2], [1, 2]); b[0] = 1; return b; }, /idx: bad-magic: bad magic: first two bytes/],
    ['unknown type code', () => idxBytes(0x0a, [2], [1, 2]), /idx: unknown-type-code: .*unknown type code 0x0A/],
    ['zero dims count', () => idxBytes(0x08, [], [1, 2]), /number of dims must be 1\.\.4, got 0/],
    ['five dims', () => idxBytes(0x08, [1, 1, 1, 1, 1], [1]), /number of dims must be 1\.\.4, got 5/],
    ['a zero dim', () => idxBytes(0x08, [3, 0], []), /dim 1 is 0/],
    ['truncated header', () => idxBytes(0x08, [60000, 28, 28]).subarray(0, 9), /truncated header: 3 dims need 16 header bytes, file has 9/],
    ['truncated magic', () => Buffer.from([0, 0, 8]), /truncated header: need at least 4 bytes/],
    ['truncated data', () => idxBytes(0x08, [60000, 28, 28], new Uint8Array(1000)),
      /idx: truncated-data: truncated: header says 60000x28x28 uint8 = 47040000 bytes, file has 1000/],
    ['truncated multi-byte data', () => idxBytes(0x0c, [3], new Uint8Array(11)), /truncated: header says 3 int32 = 12 bytes, file has 11/],
    ['trailing bytes', () => idxBytes(0x08, [2], [1, 2, 3]), /trailing bytes: header says 2 uint8 = 2 bytes, file has 3 \(1 extra\)/],
    ['dims product overflow', () => idxBytes(0x08, [65536, 65536, 65536, 65536], [1]), /dims overflow: header says 65536x65536x65536x65536 uint8/],
    ['empty file', () => new Uint8Array(0), /idx: empty-file: truncated header: .*file has 0/],
  ];
  for (const [what, bytes, re] of cases) {
    it(what, () => {
      const p = write(what.replace(/ /g, '-'), bytes());
      expect(() => readIdx(p)).toThrow(re);
      // The same checks on an in-memory buffer.
      expect(() => readIdx(bytes(), 'mem')).toThrow(/^idx: mem: /);
    });
  }
  it('a directory', () => {
    const d = join(dir, 'adir'); mkdirSync(d);
    expect(() => readIdx(d)).toThrow(/idx: adir: .* is a directory/);
  });
  it('a missing file', () => {
    expect(() => readIdx(join(dir, 'nope-idx1-ubyte'))).toThrow(/idx: nope-idx1-ubyte: cannot open .*no such file/);
  });
  it('a non-buffer source', () => {
    expect(() => readIdx(42 as unknown as string)).toThrow(/expected a path or a Uint8Array/);
  });
});

describe('loadMnist({ root }) validates the files', () => {
  const img = (n: number, h = 28, w = 28) => idxBytes(0x08, [n, h, w], new Uint8Array(n * h * w).fill(255));
  const lbl = (vals: number[]) => idxBytes(0x08, [vals.length], vals);
  const root = (name: string, images: Uint8Array, labels: Uint8Array) => {
    const r = join(dir, name); mkdirSync(r);
    writeFileSync(join(r, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(r, 't10k-labels-idx1-ubyte'), labels);
    return r;
  };
  it('images/labels count mismatch', () => {
    expect(() => loadMnist({ split: 'test', root: root('m1', img(3), lbl([1, 2])) }))
      .toThrow(/mnist: count mismatch: t10k-images-idx3-ubyte has 3 images but t10k-labels-idx1-ubyte has 2 labels/);
  });
  it('wrong image size', () => {
    expect(() => loadMnist({ split: 'test', root: root('m2', img(2, 28, 27), lbl([1, 2])) })).toThrow(/expected \[N, 28, 28\] uint8 images, got \[2, 28, 27\]/);
  });
  it('label out of range', () => {
    expect(() => loadMnist({ split: 'test', root: root('m3', img(2), lbl([1, 10])) })).toThrow(/label 10 at index 1 is not a digit/);
  });
  it('missing files and bad split', () => {
    expect(() => loadMnist({ split: 'train', root: join(dir, 'm1') })).toThrow(/idx: train-images-idx3-ubyte: cannot open/);
    expect(() => loadMnist({ split: 'val' as 'train' })).toThrow(/split must be 'train' or 'test'/);
  });
  it('a tiny valid root loads', () => {
    const r = root('m4', img(2), lbl([3, 9]));
    const { images, labels } = loadMnist({ split: 'test', root: r });
    expect(images.shape).toEqual([2, 1, 28, 28]);
    expect(images.dtype).toBe('float32');
    expect(images.amax().item()).toBe(1);
    expect(labels.dtype).toBe('int64');
    expect(labels.toArray()).toEqual([3, 9]);
  });
});
