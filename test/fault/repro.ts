// The crash reproducers of issue 14 as child-process scripts: each one either ends with a line
// of JSON on stdout and exit code 0, or it found the bug (a signal, an abort, a non-zero code).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(__dirname, 'register.js');
const ADDON = process.env.MYELIN_ADDON ?? join(ROOT, 'build', 'Release', 'myelin.node');
const MYELIN = JSON.stringify(join(ROOT, 'ts', 'index.ts'));

export interface Exit { status: number | null; signal: string | null; stdout: string; stderr: string; last: unknown }
/** Runs `script` (CommonJS, with the TS sources requirable) in a fresh node; the last stdout line is parsed as JSON. */
export function node(script: string, timeoutMs = 120_000, args: string[] = []): Exit {
  const r = spawnSync(process.execPath, ['--expose-gc', '-r', REGISTER, ...args, '-e', script], {
    cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  let last: unknown = null;
  try { last = JSON.parse(lines[lines.length - 1]); } catch { /* no result line: the process died */ }
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', last };
}

/** Item 1: myelin's errors caught in a tight loop (several kinds), `n` of each. */
export const caughtErrors = (n: number) => `
const m = require(${MYELIN});
// fresh tensors every time: their finalizers run from the GC while the errors are in flight
const kinds = [() => m.ones(2).add(m.zeros(3)), () => m.ones([4, 3]).indexSelect(0, m.tensor([0, 9])),
  () => m.ones([4, 3]).matmul(m.ones([5, 5])), () => m.zeros([4]).view([-1, 3])];
const caught = kinds.map(() => 0);
for (let i = 0; i < ${n}; i++)
  for (let k = 0; k < kinds.length; k++) { try { kinds[k](); } catch (e) { if (e instanceof Error) caught[k]++; } }
const sum = m.ones([64, 64]).matmul(m.ones([64, 64])).sum().item();
console.log(JSON.stringify({ caught, sum }));
`;

/** Item 2: workers terminated (and the process exited) while they are inside addon calls. */
export const terminateWorkers = (rounds: number, exitAtEnd: boolean) => `
const { Worker } = require('node:worker_threads');
const src = \`
const b = require(${JSON.stringify(ADDON)});
const { parentPort } = require('node:worker_threads');
const x = b.full([192, 192], 0.5, 'float32');
const img = b.full([4, 8, 32, 32], 0.5, 'float32'), k = b.full([8, 8, 3, 3], 0.1, 'float32');
parentPort.postMessage('go');
for (let i = 0; ; i++) {
  b.matmul(x, x);
  b.conv2d(img, k, null, [1, 1], [1, 1], [1, 1], 1);
  try { b.add(x, b.full([3], 1, 'float32')); } catch {}   // an error thrown while the env may be stopping
}\`;
(async () => {
  let terminated = 0;
  for (let r = 0; r < ${rounds}; r++) {
    const ws = [0, 1].map(() => new Worker(src, { eval: true }));
    await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
    await new Promise((res) => setTimeout(res, 1 + (r * 7) % 23));
    await Promise.all(ws.map((w) => w.terminate().then(() => terminated++)));
  }
  ${exitAtEnd ? `
  const ws = [0, 1].map(() => new Worker(src, { eval: true }));
  await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
  console.log(JSON.stringify({ terminated }));
  process.exit(0);   // with both workers inside the addon` : 'console.log(JSON.stringify({ terminated }));'}
})();
`;

/** Item 3: a view whose extent (shape - 1) * stride wraps int64; sum and fill_ would touch any address. */
export const wrappingStride = `
const m = require(${MYELIN});
const out = {};
for (const [name, shape, strides] of [['sum', [4097], [2 ** 52]], ['fill', [3], [2 ** 63]], ['2d', [2, 2], [2 ** 62, 2 ** 62]]]) {
  try {
    const v = m.zeros(4).asStrided(shape, strides, 0);
    out[name] = 'returned';
    if (name === 'fill') v.fill_(1); else v.sum().item();
  } catch (e) { out[name] = e instanceof Error ? e.message : String(e); }
}
console.log(JSON.stringify(out));
`;

/** Item 4: max-pooling windows that lie wholly in the padding (torch gives -inf). */
export const poolEmptyWindow = `
const m = require(${MYELIN});
const small = m.maxPool2d(m.zeros([1, 1, 1, 1]), 2, { padding: 1, dilation: 2, stride: 1 });
const wide = m.maxPool2dWithIndices(m.zeros([1, 1, 1, 4096]), 2, { padding: 1, dilation: 2, stride: 1 });
const nonInf = (t) => Array.from(t.data()).filter((v) => v !== -Infinity).length;
// (the indices of empty windows are helper B's call: torch's CPU kernel returns one past the padding)
console.log(JSON.stringify({ small: small.shape, smallNonInf: nonInf(small), wide: wide.values.shape, wideNonInf: nonInf(wide.values) }));
`;
