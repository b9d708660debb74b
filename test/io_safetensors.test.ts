// safetensors: files the reference implementation wrote (scripts/gen_safetensors_fixtures.py)
// load with their values; myelin writes the same bytes; module.save round-trips; a torch
// MLP's weights give torch's output; every broken rule of the format is a named error, and
// 10,000 mutated files never crash.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as m from '../ts/index';

const dir = path.join(__dirname, 'fixtures', 'safetensors');
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'all_dtypes.json'), 'utf8'));
const fileBytes = fs.readFileSync(path.join(dir, 'all_dtypes.safetensors'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-st-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const num = (s: string) => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));
type Spec = { dtype: m.DType; shape: number[]; values?: (string | number)[]; bits?: number[] };

/** The tensor a spec entry describes, built in myelin from the generator's numbers. */
function build(s: Spec): m.Tensor {
  if (s.bits) return m.fromBuffer(Uint16Array.from(s.bits).buffer, { dtype: s.dtype, shape: s.shape });
  if (s.dtype === 'int64') return m.tensor(BigInt64Array.from(s.values!.map((v) => BigInt(v as string))), { dtype: 'int64', shape: s.shape });
  if (s.dtype === 'bool') return m.tensor(Uint8Array.from(s.values as number[]), { dtype: 'bool', shape: s.shape });
  return m.tensor(Float64Array.from(s.values!.map((v) => (typeof v === 'string' ? num(v) : v))), { shape: s.shape }).to(s.dtype);
}
/** A tensor's elements as comparable strings (raw bits for 16-bit floats). */
const flat = (t: m.Tensor) => Array.from(t.data() as ArrayLike<number | bigint>, (v) => String(v));

/** A file with a hand-made header (and `data` bytes after it). */
function fileWith(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8); out.set(d, 8 + h.length);
  return out;
}

describe('safetensors: the reference files', () => {
  it('loads every dtype, 0-d and empty tensors, and the metadata, with the generator\'s values', () => {
    const { tensors, metadata } = m.io.readSafetensors(path.join(dir, 'all_dtypes.safetensors'));
    expect(metadata).toEqual(spec.metadata);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(spec.tensors).sort());
    for (const [k, s] of Object.entries(spec.tensors) as [string, Spec][]) {
      const t = tensors[k];
      expect(t.dtype, k).toBe(s.dtype);
      expect(t.shape, k).toEqual(s.shape);
      expect(flat(t), k).toEqual(flat(build(s)));
    }
    expect(tensors.scalar.item()).toBe(2.5);
    expect(tensors.i64.data()[1]).toBe(2n ** 53n + 1n);
  });

  it('writes the reference writer\'s bytes exactly (order, alignment padding), and its metadata', () => {
    const ts = Object.fromEntries((Object.entries(spec.tensors) as [string, Spec][]).map(([k, s]) => [k, build(s)]));
    const ref = fs.readFileSync(path.join(dir, 'all_dtypes_nometa.safetensors'));
    expect(Buffer.from(m.io.serializeSafetensors(ts)).equals(ref)).toBe(true);
    const f = path.join(tmp, 'w.safetensors');
    m.io.saveSafetensors(new Map(Object.entries(ts)), f);
    expect(fs.readFileSync(f).equals(ref)).toBe(true);
    // with metadata: the reference orders its keys by a hash map, so compare the header as JSON
    // and the data bytes exactly
    const header = (b: Uint8Array) => { const n = Number(Buffer.from(b).readBigUint64LE(0)); return [JSON.parse(Buffer.from(b).subarray(8, 8 + n).toString()), Buffer.from(b).subarray(8 + n)] as const; };
    const [hMine, dMine] = header(m.io.serializeSafetensors(ts, spec.metadata)), [hRef, dRef] = header(fileBytes);
    expect(hMine).toEqual(hRef);
    expect(dMine.equals(dRef)).toBe(true);
  });

  it('loads from a Buffer (a slice of Node\'s pool) and does not alias it', () => {
    expect(flat(m.io.loadSafetensors(fileBytes).f32)).toEqual(flat(build(spec.tensors.f32)));
    const copy = new Uint8Array(fileBytes);
    const t = m.io.loadSafetensors(copy);
    copy.fill(0);  // the caller's bytes are theirs
    expect(flat(t.f32)).toEqual(flat(build(spec.tensors.f32)));
  });

  it('a torch MLP state dict loads strictly into nn.Sequential and gives torch\'s output', () => {
    const net = new m.nn.Sequential(new m.nn.Linear(5, 8), new m.nn.ReLU(), new m.nn.Linear(8, 3), new m.nn.BatchNorm1d(3));
    const sd = m.io.loadSafetensors(path.join(dir, 'mlp.safetensors'));
    expect([...net.stateDict().keys()].sort()).toEqual([...spec.mlp.keys].sort());
    net.loadStateDict(sd, { strict: true });
    net.eval();
    const y = net.forward(m.tensor(spec.mlp.input, { shape: [4, 5] })) as m.Tensor;
    const got = Array.from(y.data() as Float32Array);
    got.forEach((v, i) => expect(v).toBeCloseTo(spec.mlp.output[i], 5));
  });
});

describe('safetensors: module.save and loadStateDict', () => {
  it('round-trips a model bit for bit, in every float dtype', () => {
    for (const dtype of ['float32', 'float64', 'float16', 'bfloat16'] as m.DType[]) {
      m.manualSeed(1);
      const a = new m.nn.Sequential(new m.nn.Linear(4, 6), new m.nn.Tanh(), new m.nn.Linear(6, 2)).to(dtype);
      const f = path.join(tmp, `model_${dtype}.safetensors`);
      a.save(f, { dtype });
      m.manualSeed(2);
      const b = new m.nn.Sequential(new m.nn.Linear(4, 6), new m.nn.Tanh(), new m.nn.Linear(6, 2)).to(dtype);
      const { tensors, metadata } = m.io.readSafetensors(f);
      expect(metadata).toEqual({ dtype });
      b.loadStateDict(tensors);
      for (const [k, t] of a.stateDict()) expect(flat(b.stateDict().get(k)!), `${dtype} ${k}`).toEqual(flat(t));
    }
  });

  it('reports missing and unexpected keys and shape mismatches as PyTorch does', () => {
    const net = new m.nn.Sequential(new m.nn.Linear(5, 8), new m.nn.ReLU(), new m.nn.Linear(8, 4));
    const sd = m.io.loadSafetensors(path.join(dir, 'mlp.safetensors'));
    expect(() => net.loadStateDict(sd)).toThrow(/size mismatch for 2\.weight: copying a param with shape \[3, 8\], the shape in current model is \[4, 8\]/);
    expect(() => net.loadStateDict(sd)).toThrow(/Unexpected key\(s\) in state_dict: .*"3\.weight"/);
    expect(() => net.loadStateDict(sd)).toThrow(/Unexpected key\(s\) in state_dict: .*"3\.running_var"/);
    const small = new m.nn.Sequential(new m.nn.Linear(5, 8));
    const { missingKeys, unexpectedKeys } = small.loadStateDict({ '0.weight': sd['0.weight'], extra: sd['0.bias'] }, { strict: false });
    expect(missingKeys).toEqual(['0.bias']);
    expect(unexpectedKeys).toEqual(['extra']);
  });
});

describe('safetensors: bad files are named errors', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array | string, RegExp][] = [
    ['shorter than the length field', new Uint8Array(5), /truncated: a file starts with an 8-byte header length, this one has 5 bytes/],
    ['header length past the end', (() => { const b = fileWith(ok, 8); new DataView(b.buffer).setBigUint64(0, 10_000n, true); return b; })(), /header length 10000 runs past the end of the file/],
    ['header length past the limit', (() => { const b = fileWith(ok, 8); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /past the format's limit/],
    ['invalid JSON', fileWith('{"a": [', 0), /the header is not valid JSON/],
    ['a JSON array', fileWith('[1, 2]', 0), /must be a JSON object starting with '\{'/],
    ['invalid UTF-8', fileWith(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), 0), /not valid JSON|not valid UTF-8/],
    ['unknown dtype', fileWith({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, 1), /tensor "a": unknown dtype "Q7"/],
    ['a dtype myelin lacks', fileWith({ a: { dtype: 'U16', shape: [1], data_offsets: [0, 2] } }, 2), /tensor "a": dtype U16 has no myelin dtype/],
    ['shape disagrees with bytes', fileWith({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /shape \[3\] of F32 is 12 bytes, but data_offsets \[0, 8\] hold 8/],
    ['negative dim', fileWith({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /shape must be an array of non-negative integers/],
    ['overlapping offsets', fileWith({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /tensor "b": data_offsets \[4, 8\] overlap the tensor before/],
    ['a gap', fileWith({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /leave a gap after byte 0/],
    ['offsets out of range', fileWith({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /need 16 data bytes, the file has 8 \(truncated\)/],
    ['trailing bytes', fileWith(ok, 12), /4 bytes after the last tensor/],
    ['end before begin', fileWith({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8), /end before they begin/],
    ['metadata not strings', fileWith({ __metadata__: { epoch: 3 }, ...ok }, 8), /__metadata__\["epoch"\] must be a string, got 3/],
    ['an entry that is no object', fileWith({ a: 5 }, 0), /tensor "a": expected \{ dtype, shape, data_offsets \}/],
    ['a BOOL byte of 2', fileWith({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, Uint8Array.from([1, 2])), /BOOL byte 1 is 2, not 0 or 1/],
  ];
  for (const [what, bytes, re] of cases)
    it(what, () => expect(() => m.io.loadSafetensors(bytes as Uint8Array)).toThrow(new RegExp(`loadSafetensors: <bytes>: .*${re.source}`)));

  it('paths: missing file, a directory, a bad argument', () => {
    expect(() => m.io.loadSafetensors(path.join(tmp, 'nope.safetensors'))).toThrow(/loadSafetensors: nope.safetensors: cannot open .*no such file/);
    expect(() => m.io.loadSafetensors(tmp)).toThrow(/is a directory/);
    expect(() => m.io.loadSafetensors(42 as unknown as string)).toThrow(/expected a path or a Uint8Array, got 42/);
    expect(() => m.io.loadSafetensors(fileBytes, { device: 'tpu' as m.Device })).toThrow(/loadSafetensors/);
  });

  it('writing: bad tensors, metadata and paths', () => {
    const x = m.ones([2]);
    expect(() => m.io.serializeSafetensors({ a: 3 as unknown as m.Tensor })).toThrow(/saveSafetensors: tensors\["a"\] must be a Tensor, got 3/);
    const d = m.ones([1]); d.dispose();
    expect(() => m.io.serializeSafetensors({ d })).toThrow(/tensors\["d"\] is a disposed tensor/);
    expect(() => m.io.serializeSafetensors({ __metadata__: x })).toThrow(/"__metadata__" cannot name a tensor/);
    expect(() => m.io.serializeSafetensors({ x }, { n: 1 as unknown as string })).toThrow(/metadata\["n"\] must be a string, got 1/);
    expect(() => m.io.saveSafetensors({ x }, path.join(tmp, 'no', 'such', 'dir', 'f.safetensors'))).toThrow(/saveSafetensors: cannot write/);
    expect(() => m.io.saveSafetensors({ x }, '')).toThrow(/path must be a non-empty string/);
  });
});

describe('safetensors: fuzz', () => {
  it('10,000 mutated files each load or throw an Error, never crash', () => {
    const base = new Uint8Array(fileBytes);
    let loaded = 0, refused = 0;
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length + 8), fc.integer({ min: 0, max: 4 }), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      (edits) => {
        let b = base;
        for (const [at, kind, v] of edits) {
          if (b.length < 8) break;
          const i = at % b.length;
          if (kind === 0) { b = b.slice(); b[i] ^= 1 << (v % 8); }                       // bit flip
          else if (kind === 1) b = b.slice(0, i);                                          // truncate
          else if (kind === 2) b = Uint8Array.from([...b.subarray(0, i), v, ...b.subarray(i)]);  // insert
          else if (kind === 3) b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]); // delete
          else { b = b.slice(); new DataView(b.buffer).setUint32(0, (v * 7919) % 2000, true); } // header length
        }
        try { const t = m.io.loadSafetensors(b); for (const x of Object.values(t)) x.dispose(); loaded++; } catch (e) {
          if (!(e instanceof Error) || !/^loadSafetensors: /.test(e.message)) throw e;
          refused++;
        }
      }), { numRuns: 10_000, seed: 16 });
    expect(loaded + refused).toBe(10_000);
    expect(refused).toBeGreaterThan(1000);  // the mutations reach the checks
  });
});
