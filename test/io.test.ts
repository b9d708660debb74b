// Bytes across the JS boundary: data() and dataAsync() readback (large copies go to blocks
// of the tensor allocator that V8 frees), tensor() from TypedArrays, and fromBuffer (a
// tensor over an ArrayBuffer's memory, which it keeps alive).
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as my from '../ts/index';
import { native } from '../ts/binding';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const addon = process.env.MYELIN_ADDON ?? join(__dirname, '..', 'build', 'Release', 'myelin.node');

// 1 << 16 bytes is where readback switches from node's buffers to the allocator's blocks.
const SIZES = [0, 1, 7, 16383, 16384, 300000];
// V8 frees collected ArrayBuffers' backing stores on a background thread (its sweeper), and
// a readback block's deleter recounts the block before freeing it: memory() read during that
// window is one storage high (CI saw it after the previous tests' readbacks). The counters
// are read once the collected buffers' deleters have all run: two equal readings 10 ms apart.
async function settle(): Promise<void> {
  let prev = -1;
  for (let k = 0; k < 100; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    const n = my.memory().numStorages;
    if (n === prev) return;
    prev = n;
  }
}
const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 1000) * 0.25 - 17);

describe('data()', () => {
  it.each(SIZES)('float32 round trip of %i elements, small and large paths', (n) => {
    const src = ramp(n);
    const t = my.tensor(src);
    const out = t.data();
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(n);
    expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(src.buffer))).toBe(true);
  });

  it('every dtype, large (300000 elements): values and TypedArray kind', () => {
    const n = 300000;
    const f64 = Float64Array.from({ length: n }, (_, i) => i / 3);
    const i32 = Int32Array.from({ length: n }, (_, i) => i * 7 - 1000000);
    const i64 = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 4294967296n - 5n);
    const b = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    expect(my.tensor(f64).data()).toEqual(f64);
    expect(my.tensor(i32).data()).toEqual(i32);
    expect(my.tensor(i64).data()).toEqual(i64);
    const bt = my.tensor(b, { dtype: 'bool' }).data();
    expect(bt).toBeInstanceOf(Uint8Array);
    expect(bt).toEqual(b);
  });

  it.each([[4, 5], [300, 400]])('a transposed [%i, %i] view reads back in row-major order', (r, c) => {
    const x = my.arange(r * c, undefined, 1, { dtype: 'float32' }).reshape([r, c]);
    const y = x.transpose(0, 1);
    const out = y.data();
    expect(out.length).toBe(r * c);
    for (const [i, j] of [[0, 0], [0, 1], [1, 0], [c - 1, r - 1], [c >> 1, r >> 1]])
      expect(out[i * r + j]).toBe(j * c + i);  // y[i][j] = x[j][i] = j*c + i
  });

  it('a large readback leaves the tensor counters alone while JS holds it, and its block returns to the allocator after GC', async () => {
    const x = my.ones(1 << 20);  // 4 MiB
    await settle();
    const before = my.memory();
    let arr: Float32Array | null = x.data() as Float32Array;
    const during = my.memory();
    expect(during.numStorages).toBe(before.numStorages);
    expect(during.numBytes).toBe(before.numBytes);
    x.dispose();
    expect(arr[12345]).toBe(1);  // outlives the tensor
    arr = null;
    await settle();
    const after = my.memory();
    expect(after.numBytes).toBe(before.numBytes - 4 * (1 << 20));
    expect(after.numStorages).toBe(before.numStorages - 1);
  });

  it('1000 large readbacks dropped at once keep native memory flat', () => {
    const x = my.ones(1 << 16);  // 256 KiB each
    gc();
    const base = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) x.data();  // 256 MB in total if nothing were freed
    for (let k = 0; k < 3; k++) gc();
    expect(process.memoryUsage().rss - base).toBeLessThan(128 * 2 ** 20);
    expect(my.memory().numBytes).toBeGreaterThanOrEqual(4 * (1 << 16));
  });
});

describe('dataAsync()', () => {
  it.each([5, 300000])('resolves with the same values as data() (%i elements, contiguous and transposed)', async (n) => {
    const src = ramp(n);
    const t = my.tensor(src);
    expect(await t.dataAsync()).toEqual(src);
    const m = my.tensor(src.subarray(0, 5 * Math.floor(n / 5))).reshape([5, -1]).transpose(0, 1);
    expect(await m.dataAsync()).toEqual(m.data());
  });
  it('a tensor disposed before the call rejects with a named Error', async () => {
    const t = my.ones(3);
    t.dispose();
    await expect(t.dataAsync()).rejects.toThrow(/^data_async: argument 0 is a disposed tensor/);
  });
  it('disposing during the copy is safe: the copy holds the tensor alive', async () => {
    const src = ramp(1 << 22);  // 16 MiB: the copy is still running when dispose() comes
    const t = my.tensor(src);
    const p = t.dataAsync();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    const out = await p;
    expect(out.length).toBe(src.length);
    expect(out[123457]).toBe(src[123457]);
    expect(out[src.length - 1]).toBe(src[src.length - 1]);
  });
  it('many concurrent readbacks of views whose base is gone', async () => {
    const xs = Array.from({ length: 20 }, (_, k) => my.full([100, 100], k, { dtype: 'float32' }).transpose(0, 1));
    const ps = xs.map((x) => x.dataAsync());
    for (const x of xs) x.dispose();
    const outs = await Promise.all(ps);
    outs.forEach((o, k) => { expect(o.length).toBe(10000); expect(o[9999]).toBe(k); });
  });
});

describe('tensor(TypedArray)', () => {
  it('Uint8Array becomes int32 by value (no per-element callback)', () => {
    const u = Uint8Array.from([0, 1, 127, 128, 255]);
    const t = my.tensor(u);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data() as Int32Array)).toEqual([0, 1, 127, 128, 255]);
  });
  it('Int16Array to float32, Uint16Array to float64, Int8Array to bool', () => {
    expect(Array.from(my.tensor(Int16Array.from([-32768, 5, 32767]), { dtype: 'float32' }).data() as Float32Array)).toEqual([-32768, 5, 32767]);
    expect(Array.from(my.tensor(Uint16Array.from([65535, 2]), { dtype: 'float64' }).data() as Float64Array)).toEqual([65535, 2]);
    expect(Array.from(my.tensor(Int8Array.from([-1, 0, 3]), { dtype: 'bool' }).data() as Uint8Array)).toEqual([1, 0, 1]);
  });
  it('integer arrays to int64 and floats to float64 convert natively, exactly', () => {
    expect(my.tensor(Uint8Array.from([0, 255]), { dtype: 'int64' }).data()).toEqual(BigInt64Array.from([0n, 255n]));
    expect(my.tensor(Int16Array.from([-32768, 7])).data()).toEqual(Int32Array.from([-32768, 7]));
    expect(my.tensor(Uint32Array.from([4294967295, 1])).data()).toEqual(BigInt64Array.from([4294967295n, 1n]));
    expect(my.tensor(Float32Array.from([0.1, -3e38]), { dtype: 'float64' }).data()).toEqual(Float64Array.from([Math.fround(0.1), Math.fround(-3e38)]));
    expect(my.tensor(Float64Array.from([0.1, 1e300]), { dtype: 'float32' }).data()).toEqual(Float32Array.from([0.1, Infinity]));
    const big = new Uint8Array(1 << 20).fill(200);
    const t = my.tensor(big);
    expect(t.sum().item()).toBe(200 * (1 << 20));
  });
  it('the binding converts only where no value can overflow', () => {
    expect(() => native.from_array(Float64Array.from([NaN]), [1], 'int32', true)).toThrow(/^from_array: converting floats to int32 needs range checks/);
    expect(() => native.from_array(Uint32Array.from([1]), [1], 'int32', true)).toThrow(/^from_array: a Uint32Array's values may not fit int32/);
    expect(() => native.from_array(BigInt64Array.from([1n]), [1], 'float32', true)).toThrow(/^from_array: cannot convert this TypedArray to float32 here/);
    expect(() => native.from_array(Int8Array.from([1]), [1], 'int32', 1 as unknown as boolean)).toThrow(/^from_array: argument 3 must be a boolean, got the number 1/);
    expect(() => native.from_array(Int8Array.from([1]), [1], 'int32')).toThrow(/^from_array: the TypedArray's type does not match dtype int32/);
  });
  it('conversions that can overflow still check each value', () => {
    expect(() => my.tensor(Float64Array.from([1, NaN]), { dtype: 'int32' })).toThrow(/^tensor: value NaN at index 1 cannot be converted to int32/);
    expect(() => my.tensor(Uint32Array.from([4294967295]), { dtype: 'int32' })).toThrow(/^tensor: value 4294967295 at index 0 cannot be converted to int32/);
    expect(Array.from(my.tensor(Float32Array.from([2.75, -2.75]), { dtype: 'int32' }).data() as Int32Array)).toEqual([2, -2]);
  });
});

describe('fromBuffer', () => {
  it('shares memory both ways (ArrayBuffer, with a byteOffset)', () => {
    const buf = new ArrayBuffer(8 + 4 * 6);
    const f = new Float32Array(buf, 8, 6);
    f.set([1, 2, 3, 4, 5, 6]);
    const x = my.fromBuffer(buf, { dtype: 'float32', shape: [2, 3], byteOffset: 8 });
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    f[4] = 50;  // write through the buffer: the tensor sees it
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 50, 6]]);
    x.mul_(2);  // write through the tensor: the buffer sees it
    expect(Array.from(f)).toEqual([2, 4, 6, 8, 100, 12]);
    expect(new Float32Array(buf, 0, 2)).toEqual(new Float32Array(2));  // bytes before byteOffset untouched
  });
  it('SharedArrayBuffer, int64 and float64', () => {
    const sab = new SharedArrayBuffer(8 * 4);
    new BigInt64Array(sab).set([1n, -2n, 2n ** 40n, 7n]);
    const x = my.fromBuffer(sab, { dtype: 'int64', shape: [4] });
    expect(x.sum().item()).toBe(1 - 2 + 2 ** 40 + 7);
    const y = my.fromBuffer(sab, { dtype: 'float64', shape: [2, 2] });
    new Float64Array(sab).set([0.5, 1.5, 2.5, 3.5]);
    expect(y.sum().item()).toBe(8);
    expect(x.sharesStorageWith(y)).toBe(false);  // two storages over the same bytes
  });
  it('views of a fromBuffer tensor read the buffer', () => {
    const buf = new Int32Array([1, 2, 3, 4, 5, 6]).buffer;
    const x = my.fromBuffer(buf, { dtype: 'int32', shape: [2, 3] });
    expect(x.transpose(0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(x.data()).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
  });
  it.each([
    ['too short', () => my.fromBuffer(new ArrayBuffer(20), { dtype: 'float32', shape: [2, 3] }), /^from_buffer: shape \[2, 3\] of float32 needs 24 bytes but the buffer has 20 after byteOffset 0/],
    ['too short after byteOffset', () => my.fromBuffer(new ArrayBuffer(24), { dtype: 'float32', shape: [6], byteOffset: 4 }), /^from_buffer: shape \[6\] of float32 needs 24 bytes but the buffer has 20 after byteOffset 4/],
    ['misaligned byteOffset', () => my.fromBuffer(new ArrayBuffer(24), { dtype: 'float32', shape: [1], byteOffset: 2 }), /^from_buffer: byteOffset 2 is not a multiple of 4 \(the size of float32\)/],
    ['byteOffset past the end', () => my.fromBuffer(new ArrayBuffer(24), { dtype: 'float64', shape: [0], byteOffset: 32 }), /^from_buffer: byteOffset 32 is out of range for a buffer of 24 bytes/],
    ['negative byteOffset', () => my.fromBuffer(new ArrayBuffer(24), { dtype: 'float32', shape: [1], byteOffset: -4 }), /^from_buffer: byteOffset -4 is out of range/],
    ['fractional byteOffset', () => my.fromBuffer(new ArrayBuffer(24), { dtype: 'float32', shape: [1], byteOffset: 1.5 }), /^from_buffer: byteOffset must be a non-negative integer, got 1.5/],
    ['bool', () => my.fromBuffer(new ArrayBuffer(4), { dtype: 'bool', shape: [4] }), /^from_buffer: dtype bool is not supported over external memory/],
    ['bool (bytes other than 0 and 1)', () => my.fromBuffer(new ArrayBuffer(4), { dtype: 'bool', shape: [4] }), /^from_buffer: dtype bool is not supported over external memory/],
    ['unknown dtype', () => my.fromBuffer(new ArrayBuffer(4), { dtype: 'int16' as my.DType, shape: [4] }), /^from_buffer: dtype must be one of/],
    ['negative size', () => my.fromBuffer(new ArrayBuffer(4), { dtype: 'float32', shape: [-1] }), /^from_buffer: /],
    ['a TypedArray', () => my.fromBuffer(new Float32Array(4) as unknown as ArrayBuffer, { dtype: 'float32', shape: [4] }), /^from_buffer: buffer must be an ArrayBuffer or a SharedArrayBuffer \(pass view.buffer/],
    ['no options', () => my.fromBuffer(new ArrayBuffer(4), undefined as unknown as my.FromBufferOptions), /^from_buffer: options must be an object/],
    ['detached', () => {
      const b = new ArrayBuffer(16);
      structuredClone(b, { transfer: [b] });
      return my.fromBuffer(b, { dtype: 'float32', shape: [0] });
    }, /^from_buffer: the ArrayBuffer is detached/],
    ['resizable', () => my.fromBuffer(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(16, { maxByteLength: 64 }), { dtype: 'float32', shape: [4] }), /^from_buffer: the buffer is resizable/],
  ])('refuses %s with a named Error', (_, f, re) => {
    expect(f).toThrow(re);
  });
});

describe('fromBuffer over the byte and 16-bit dtypes', () => {
  it('uint8, int8 and float16/bfloat16 (raw bits) views see the buffer', () => {
    const u = Uint8Array.from([1, 200, 3]);
    expect(Array.from(my.fromBuffer(u.buffer, { dtype: 'uint8', shape: [3] }).data() as Uint8Array)).toEqual([1, 200, 3]);
    expect(Array.from(my.fromBuffer(u.buffer, { dtype: 'int8', shape: [3] }).data() as Int8Array)).toEqual([1, -56, 3]);
    // 0x3c00 is 1.0 in float16, 0x3f80 is 1.0 in bfloat16, 0xc000 is -2.0 in float16
    const h = Uint16Array.from([0x3c00, 0xc000]);
    const f16 = my.fromBuffer(h.buffer, { dtype: 'float16', shape: [2] });
    expect(f16.toArray()).toEqual([1, -2]);
    h[1] = 0x3f80;
    expect(my.fromBuffer(h.buffer, { dtype: 'bfloat16', shape: [1], byteOffset: 2 }).item()).toBe(1);
  });
});

describe('fromBuffer lifetime (a child process with --expose-gc)', () => {
  const run = (code: string) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', env: { ...process.env, ADDON: addon }, timeout: 60000 });
    if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };

  it('the buffer stays alive after its last JS reference is dropped', () => {
    const out = run(`
      const b = require(process.env.ADDON);
      function make() {
        const buf = new ArrayBuffer(4 * 1024 * 1024);
        new Float32Array(buf).fill(3.5);
        return b.from_buffer(buf, [1024 * 1024], 'float32', 0);
      }
      const x = make();
      for (let k = 0; k < 5; k++) { gc(); const junk = []; for (let i = 0; i < 20; i++) junk.push(new ArrayBuffer(4 * 1024 * 1024)); }
      const s = b.sum(x, null, false);
      const a = b.to_array(b.slice(x, 0, 1048570, 1048576, 1));
      console.log(JSON.stringify({ sum: b.item(s), tail: Array.from(a) }));
    `);
    expect(out.sum).toBe(3.5 * 1024 * 1024);
    expect(out.tail).toEqual([3.5, 3.5, 3.5, 3.5, 3.5, 3.5]);
  });

  it('memory stays flat over 500 fromBuffer tensors of 4 MiB dropped or disposed', () => {
    const out = run(`
      const b = require(process.env.ADDON);
      const rss = [];
      for (let i = 0; i < 500; i++) {
        const buf = new ArrayBuffer(4 * 1024 * 1024);
        new Uint8Array(buf).fill(1);
        const t = b.from_buffer(buf, [1024 * 1024], 'int32', 0);
        if (i % 2) b.dispose(t);
        if (i % 50 === 49) { gc(); gc(); rss.push(process.memoryUsage().rss); }
      }
      console.log(JSON.stringify({ rss, tensors: b.memory().numTensors }));
    `);
    // 500 x 4 MiB = 2 GiB if nothing were released; the last sample is within 200 MiB of the first
    expect(out.rss[out.rss.length - 1] - out.rss[0]).toBeLessThan(200 * 2 ** 20);
    expect(out.tensors).toBeLessThan(5);
  });

  it('a tensor freed inside a GC callback releases its buffer without a crash', () => {
    const out = run(`
      const b = require(process.env.ADDON);
      let n = 0;
      for (let i = 0; i < 20000; i++) {  // never disposed: handles die in GC callbacks
        const sab = i % 2 ? new SharedArrayBuffer(64) : new ArrayBuffer(64);
        b.from_buffer(sab, [16], 'float32', 0);
        n++;
      }
      gc(); gc();
      console.log(JSON.stringify({ n, tensors: b.memory().numTensors }));
    `);
    expect(out.n).toBe(20000);
    expect(out.tensors).toBeLessThan(20000);
  });

  it('worker_threads: a SharedArrayBuffer read through fromBuffer, and workers terminated with readbacks in flight', () => {
    const out = run(`
      const { Worker } = require('worker_threads');
      const sab = new SharedArrayBuffer(4 * 1024 * 1024);
      new Float32Array(sab).fill(2);
      const src = \`
        const { parentPort, workerData } = require('worker_threads');
        const b = require(workerData.addon);
        const x = b.from_buffer(workerData.sab, [1024 * 1024], 'float32', 0);
        parentPort.postMessage(b.item(b.sum(x, null, false)));
        const big = b.full([4 << 20], 1, 'float32');
        for (let i = 0; i < 8; i++) b.data_async(big);  // still copying when the worker is terminated
        parentPort.postMessage('queued');
      \`;
      const sums = [];
      const one = () => new Promise((res, rej) => {
        const w = new Worker(src, { eval: true, workerData: { addon: process.env.ADDON, sab } });
        w.on('message', (m) => { if (m === 'queued') w.terminate(); else sums.push(m); });
        w.on('error', rej);
        w.on('exit', res);
      });
      (async () => { for (let i = 0; i < 10; i++) await one(); console.log(JSON.stringify({ sums })); })();
    `);
    expect(out.sums).toEqual(new Array(10).fill(2 * 1024 * 1024));
  });

  it('the binding refuses a non-buffer and a short argument list by name', () => {
    const out = run(`
      const b = require(process.env.ADDON);
      const msgs = [];
      for (const f of [() => b.from_buffer(new Float32Array(2), [2], 'float32', 0), () => b.from_buffer(new ArrayBuffer(8), [2], 'float32'),
                       () => b.data_async({}), () => b.to_array(1)])
        try { f(); msgs.push('no error'); } catch (e) { msgs.push(e.message); }
      console.log(JSON.stringify(msgs));
    `);
    expect(out[0]).toMatch(/^from_buffer: argument 0 must be an ArrayBuffer or a SharedArrayBuffer, got an object/);
    expect(out[1]).toMatch(/^from_buffer: expected 4 arguments, got 3/);
    expect(out[2]).toMatch(/^data_async: argument 0 must be a tensor/);
    expect(out[3]).toMatch(/^to_array: argument 0 must be a tensor/);
  });
});
