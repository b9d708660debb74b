// io.loadTorch: files torch.save wrote (scripts/gen_torch_fixtures.py) load with torch's values,
// dtypes, strides and shared storages; a torchvision ResNet-18 (.pt and safetensors) gives torch's
// logits in models.resnet18(); malicious pickles are refused by name with no side effect; broken
// files are named errors; `myelin inspect` lists both formats.
import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as m from '../ts/index';
import { main } from '../ts/cli';

const dir = path.join(__dirname, 'fixtures', 'torch');
const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
const fx = (name: string) => path.join(dir, name);

/** Checks a loaded value against the generator's description of the Python object. */
function expectMatches(got: unknown, want: unknown, where = '$'): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got), where).toBe(true);
    expect((got as unknown[]).length, where).toBe(want.length);
    want.forEach((w, i) => expectMatches((got as unknown[])[i], w, `${where}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    const w = want as Record<string, unknown>;
    if (w.__tensor__) {
      expect(got, where).toBeInstanceOf(m.Tensor);
      const t = got as m.Tensor;
      expect(t.dtype, where).toBe(w.dtype);
      expect([...t.shape], where).toEqual(w.shape);
      const vals = w.values as unknown[];
      if (t.dtype === 'int64') expect(Array.from(t.data() as BigInt64Array, String), where).toEqual(vals);
      else if (t.dtype === 'bool') expect(Array.from(t.data() as Uint8Array, (v) => v === 1), where).toEqual(vals);
      // 16-bit floats: their exact values, widened by torch (.float()) and by myelin
      else expect(Array.from((t.dtype === 'float16' || t.dtype === 'bfloat16' ? t.double() : t).data() as Float64Array), where).toEqual(vals);
    } else if ('__dict__' in w) {
      const entries = w.__dict__ as [string, unknown][];
      expect(Object.keys(got as object), where).toEqual(entries.map((e) => e[0]));  // key order kept
      for (const [k, v] of entries) expectMatches((got as Record<string, unknown>)[k], v, `${where}.${k}`);
    } else if ('__int__' in w) {
      const s = w.__int__ as string;
      expect(typeof got === 'bigint' ? String(got) : got, where).toEqual(Number.isSafeInteger(Number(s)) ? Number(s) : s);
    } else if ('__bytes__' in w) {
      expect(got, where).toBeInstanceOf(Uint8Array);
      expect([...(got as Uint8Array)], where).toEqual(w.__bytes__);
    } else throw new Error(`unknown description at ${where}`);
  } else expect(got, where).toBe(want);
}

describe('loadTorch: torch.save files', () => {
  it('dtypes.pt: float32/64, float16, bfloat16, int64 (beyond 2^53), int32, int8, uint8, bool with torch values', async () => {
    const sd = await m.io.loadTorch(fx('dtypes.pt'));
    expectMatches(sd, exp.dtypes);
  });

  for (const f of ['layouts.pt', 'layouts_p4.pt', 'layouts_p5.pt']) {
    it(`${f}: 0-d, empty, transposed, sliced, expanded views keep torch's strides and share one storage`, async () => {
      const sd = await m.io.loadTorch(fx(f)) as Record<string, m.Tensor>;
      expectMatches(sd, exp.layouts);
      expect(sd.transposed.stride()).toEqual([1, 6]);
      expect(sd.sliced.stride()).toEqual([6, 2]);
      expect(sd.sliced.storageOffset()).toBe(6);
      expect(sd.expanded.stride()).toEqual([1, 0]);
      // one storage, as in torch: writing through `whole` is seen by the views
      sd.whole.mul_(-1);
      expect(Array.from(sd.sliced.data() as Float32Array)).toEqual([-6, -8, -10, -12, -14, -16]);
      expect(Array.from(sd.transposed.contiguous().data() as Float32Array).slice(0, 4)).toEqual([-0, -6, -12, -18]);
    });
  }

  it('checkpoint.pt: nested dicts and lists, a state dict, an Adam state dict, bigints, bytes, unicode', async () => {
    const ck = await m.io.loadTorch(fx('checkpoint.pt')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expectMatches(ck, exp.checkpoint);
    expect(typeof ck.big).toBe('bigint');
    expect(ck.optimizer.param_groups[0].betas).toEqual([0.9, 0.999]);
  });

  it('tensor.pt: a bare tensor', async () => {
    expectMatches(await m.io.loadTorch(fx('tensor.pt')), exp.tensor);
  });

  it('bytes in, and the tensors do not alias the caller\'s buffer', async () => {
    const bytes = fs.readFileSync(fx('dtypes.pt'));
    const sd = await m.io.loadTorch(bytes) as Record<string, m.Tensor>;
    const before = Array.from(sd.float32.data() as Float32Array);
    bytes.fill(0);
    expect(Array.from(sd.float32.data() as Float32Array)).toEqual(before);
    expectMatches(sd, exp.dtypes);
  });
});

describe('loadTorch: torchvision ResNet-18 loads unchanged into models.resnet18()', () => {
  const x = () => m.arange(0, 2 * 3 * 64 * 64, 1, { dtype: 'float32' }).mul(0.01).sin().reshape([2, 3, 64, 64]);
  const want: number[] = exp.resnet18.logits;
  const check = (sd: Record<string, m.Tensor>, ordered: boolean) => {
    // torch.save keeps torch's key order; safetensors sorts its keys
    expect(ordered ? Object.keys(sd) : Object.keys(sd).sort()).toEqual(ordered ? exp.resnet18.keys : [...exp.resnet18.keys].sort());
    expect(Number((sd['bn1.num_batches_tracked'].data() as BigInt64Array)[0])).toBe(exp.resnet18.num_batches_tracked);
    const net = m.models.resnet18();
    expect([...net.stateDict().keys()]).toEqual(exp.resnet18.keys);  // myelin's names and order are torch's
    const res = net.loadStateDict(sd, { strict: true });
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    net.eval();
    const y = m.noGrad(() => net.forward(x()));
    expect([...y.shape]).toEqual(exp.resnet18.logits_shape);
    const got = y.data() as Float32Array;
    let diff = 0, scale = 0;
    for (let i = 0; i < want.length; i++) { diff = Math.max(diff, Math.abs(got[i] - want[i])); scale = Math.max(scale, Math.abs(want[i])); }
    expect(scale).toBeGreaterThan(0.1);  // logits that say something
    expect(diff / scale).toBeLessThan(1e-4);
  };
  it('torch.save(model.state_dict()) (.pt, gzipped)', async () => {
    const bytes = zlib.gunzipSync(fs.readFileSync(fx('resnet18.pt.gz')));
    check(await m.io.loadTorch(bytes) as Record<string, m.Tensor>, true);
  });
  it('safetensors.torch.save_file (gzipped)', () => {
    check(m.io.loadSafetensors(zlib.gunzipSync(fs.readFileSync(fx('resnet18.safetensors.gz')))), false);
  });
});

describe('loadTorch: malicious pickles are refused by name and run nothing', () => {
  const marker: string = exp.evil.marker;
  const markers = () => fs.readdirSync(path.dirname(marker)).filter((f) => f.startsWith(path.basename(marker)));
  beforeAll(() => { for (const f of markers()) fs.rmSync(path.join(path.dirname(marker), f)); });
  for (const [name, global] of Object.entries(exp.evil.names as Record<string, string>)) {
    it(`evil_${name}.pt: '${global}'`, async () => {
      const err = await m.io.loadTorch(fx(`evil_${name}.pt`)).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain(`loadTorch: evil_${name}.pt: `);
      expect(err.message).toContain(global);
      expect(err.message).toMatch(/not allowed|expected 6 or 7 arguments/);
      expect(markers()).toEqual([]);
    });
  }
  it('big-endian byteorder is a named error', async () => {
    await expect(m.io.loadTorch(fx('big_endian.pt'))).rejects.toThrow(/loadTorch: big_endian\.pt: byteorder record says 'big': only little-endian/);
  });
});

// ---- hand-built archives: a STORED zip in torch's layout around any pickle and records
function zip(files: Record<string, Uint8Array | string>): Buffer {
  const locals: Buffer[] = [], central: Buffer[] = [];
  let off = 0;
  for (const [name, d] of Object.entries(files)) {
    const data = Buffer.from(d), nm = Buffer.from(name);
    const crc = zlib.crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(nm.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20); ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(nm.length, 28); ch.writeUInt32LE(off, 42);
    locals.push(lh, nm, data); central.push(ch, nm);
    off += 30 + nm.length + data.length;
  }
  const cd = Buffer.concat(central), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(central.length / 2, 8); end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, end]);
}
const G = (mod: string, name: string) => `c${mod}\n${name}\n`;
const U = (s: string) => { const b = Buffer.from(s); const h = Buffer.alloc(5); h[0] = 0x58; h.writeUInt32LE(b.length, 1); return Buffer.concat([h, b]).toString('latin1'); };
const pkl = (s: string) => Buffer.from(`\x80\x02${s}.`, 'latin1');
/** A pickle calling _rebuild_tensor_v2 on storage '0' (FloatStorage of `numel`) with the given view. */
const tensorPkl = (numel: number, offset: number, size: number[], stride: number[]) => {
  const ints = (a: number[]) => `(${a.map((v) => `J${Buffer.from(Int32Array.of(v).buffer).toString('latin1')}`).join('')}t`;
  return pkl(`${G('torch._utils', '_rebuild_tensor_v2')}((${U('storage')}${G('torch', 'FloatStorage')}${U('0')}${U('cpu')}J${Buffer.from(Int32Array.of(numel).buffer).toString('latin1')}tQJ${Buffer.from(Int32Array.of(offset).buffer).toString('latin1')}${ints(size)}${ints(stride)}\x89)tR`);
};
const archive = (p: Uint8Array, recs: Record<string, Uint8Array> = {}) =>
  zip({ 'archive/data.pkl': p, 'archive/byteorder': 'little', ...Object.fromEntries(Object.entries(recs).map(([k, v]) => [`archive/data/${k}`, v])) });
const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

describe('loadTorch: hand-built archives', () => {
  it('a minimal archive loads (the builder is right), and STACK_GLOBAL + REDUCE of posix.system is refused', async () => {
    const t = await m.io.loadTorch(archive(tensorPkl(4, 1, [3], [1]), { 0: f32(1, 2, 3, 4) })) as m.Tensor;
    expect(Array.from(t.data() as Float32Array)).toEqual([2, 3, 4]);
    const sg = Buffer.from(`\x80\x04\x8c\x05posix\x8c\x06system\x93${U('true')}\x85R.`, 'latin1');
    await expect(m.io.loadTorch(archive(sg))).rejects.toThrow("loadTorch: <bytes>: pickle global 'posix.system' is not allowed");
  });
  const bad: [string, () => Uint8Array, RegExp][] = [
    ['view past the storage', () => archive(tensorPkl(4, 2, [3], [1]), { 0: f32(1, 2, 3, 4) }), /view \(offset 2, size \[3\], stride \[1\]\) reaches element 4 of a storage of 4/],
    ['record shorter than numel', () => archive(tensorPkl(5, 0, [2], [1]), { 0: f32(1, 2, 3, 4) }), /storage record 'archive\/data\/0' has 16 bytes, but the pickle says 5 float32/],
    ['missing record', () => archive(tensorPkl(4, 0, [2], [1])), /storage record 'archive\/data\/0' is missing/],
    ['no data.pkl', () => zip({ 'archive/other': 'x' }), /no <name>\/data\.pkl in the archive/],
    ['TorchScript archive', () => zip({ 'archive/constants.pkl': pkl('N'), 'archive/code/x.py': 'x' }), /TorchScript archive/],
    ['legacy format', () => pkl('N'), /legacy \(torch < 1\.6\) pickle format/],
    ['not a zip', () => Buffer.from('hello world'), /not a torch\.save zip file \(starts with 0x68 0x65 0x6c 0x6c\)/],
    ['empty', () => new Uint8Array(0), /the file is empty/],
    ['truncated zip', () => archive(pkl('N')).subarray(0, 40), /not a valid zip archive/],
    ['memo index never stored', () => archive(pkl('h\x07')), /memo index 7 was never stored/],
    ['stack underflow', () => archive(pkl('a')), /stack underflow at APPEND/],
    ['MARK misuse', () => archive(pkl('N(N0')), /stack underflow at POP|unclosed MARK/],
    ['no STOP', () => archive(Buffer.from('\x80\x02N', 'latin1')), /no STOP opcode/],
    ['length past the end', () => archive(Buffer.from('\x80\x02X\xff\xff\x00\x00ab.', 'latin1')), /BINUNICODE needs 65535 bytes/],
    ['unknown opcode', () => archive(pkl('\xff')), /unknown opcode 0xff/],
    ['bool storage with byte 2', () => archive(pkl(`${G('torch._utils', '_rebuild_tensor_v2')}((${U('storage')}${G('torch', 'BoolStorage')}${U('0')}${U('cpu')}K\x02tQK\x00(K\x02t(K\x01t\x89)tR`), { 0: Uint8Array.of(1, 2) }), /bool storage 'archive\/data\/0' holds byte 2 at 1/],
    ['a dtype myelin lacks', () => archive(pkl(`${G('torch._utils', '_rebuild_tensor_v2')}((${U('storage')}${G('torch', 'ShortStorage')}${U('0')}${U('cpu')}K\x02tQK\x00(K\x02t(K\x01t\x89)tR`), { 0: Uint8Array.of(1, 2, 3, 4) }), /storage '0' is a ShortStorage, whose dtype myelin does not have/],
    ['__proto__ key stays a key', () => archive(pkl(`}${U('__proto__')}${G('os', 'system')}s`)), /'os\.system' is not allowed/],
  ];
  for (const [what, make, re] of bad) {
    it(`${what}: named error`, async () => {
      const err = await m.io.loadTorch(make()).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/^loadTorch: <bytes>: /);
      expect(err.message).toMatch(re);
    });
  }
  it('a __proto__ dict key is an own key, not the prototype', async () => {
    const d = await m.io.loadTorch(archive(pkl(`}${U('__proto__')}K\x05s`))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(d, '__proto__')?.value).toBe(5);
  });
  it('bad arguments: named errors', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-pt-'));
    try {
      await expect(m.io.loadTorch(path.join(tmp, 'nope.pt'))).rejects.toThrow('loadTorch: nope.pt: cannot open');
      await expect(m.io.loadTorch(tmp)).rejects.toThrow(/is a directory/);
      await expect(m.io.loadTorch(42 as unknown as string)).rejects.toThrow('loadTorch: <bytes>: expected a path or a Uint8Array, got number');
      await expect(m.io.loadTorch(fx('tensor.pt'), { device: 'tpu' as m.Device })).rejects.toThrow(/loadTorch/);
      await expect(m.io.loadTorch(fx('tensor.pt'), 5 as unknown as object)).rejects.toThrow(/loadTorch/);
    } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
  });
});

describe('myelin inspect', () => {
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await main(['node', 'myelin', 'inspect', ...args], (s) => lines.push(s));
    return { code, lines };
  };
  it('a .pt checkpoint: dotted names through nested containers, dtype, shape, totals', async () => {
    const { code, lines } = await run(fx('checkpoint.pt'));
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^model\.0\.weight +float32 +\[2, 3\]$/);
    expect(lines).toContainEqual(expect.stringMatching(/^model\.1\.num_batches_tracked +int64 +\[\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^optimizer\.state\.0\.exp_avg +float32 +\[2, 3\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^nested\.a\.b\.1\.c +float32 +\[2\]$/));
    expect(lines[lines.length - 1]).toBe('total: 20 tensors, 47 elements');
  });
  it('ResNet-18 as .pt and as .safetensors: the same tensors and torch\'s element count', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-inspect-'));
    try {
      const out: string[][] = [];
      for (const [gz, name] of [['resnet18.pt.gz', 'r.pth'], ['resnet18.safetensors.gz', 'r.safetensors']]) {
        fs.writeFileSync(path.join(tmp, name), zlib.gunzipSync(fs.readFileSync(fx(gz))));
        const { code, lines } = await run(path.join(tmp, name));
        expect(code).toBe(0);
        expect(lines).toHaveLength(exp.resnet18.keys.length + 1);
        expect(lines).toContainEqual(expect.stringMatching(/^conv1\.weight +float32 +\[64, 3, 7, 7\]$/));
        expect(lines[lines.length - 1]).toBe(`total: ${exp.resnet18.keys.length} tensors, ${exp.resnet18.state_dict_numel.toLocaleString('en-US')} elements`);
        out.push([...lines].sort());
      }
      expect(out[0]).toEqual(out[1]);  // safetensors sorts its keys; the set is the same
    } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
  });
  it('an .onnx file: its inputs, outputs and initializers (inspectOnnx\'s lines)', async () => {
    const f = path.join(__dirname, 'fixtures', 'onnx', 'myelin_mlp.onnx');
    const { code, lines } = await run(f);
    expect(code).toBe(0);
    expect(lines).toEqual(m.onnx.inspectOnnx(f));
    expect(lines).toContainEqual(expect.stringMatching(/^initializer .*weight float32 \[\d+, \d+\]$/));
  });
  it('errors: a missing file, an unknown format and a malicious pickle give exit 1 and a named message', async () => {
    let r = await run(fx('nope.pt'));
    expect(r.code).toBe(1);
    expect(r.lines.join('\n')).toMatch(/myelin: inspect: cannot read .*nope\.pt: no such file/);
    r = await run(fx('expected.json'));
    expect(r.code).toBe(1);
    expect(r.lines.join('\n')).toMatch(/inspect: expected\.json: unknown format/);
    r = await run(fx('evil_os_system.pt'));
    expect(r.code).toBe(1);
    expect(r.lines.join('\n')).toContain("loadTorch: evil_os_system.pt: pickle global 'os.system' is not allowed");
  });
});
