// A child process of the fault-injection suite: runs the cases it is given (indices into
// allCases(), in argv[2] as a comma list) and reports each one on stdout, synchronously, so the
// parent knows which case was in flight if the process dies: "B n" before, "E n {json}" after.
// At the end it proves the process is still healthy (a real computation after a forced GC) and
// prints HEALTHY; the parent also requires exit code 0 and no signal.
import { writeSync } from 'node:fs';
import * as m from '../../ts/index';
import { allCases, runCase, healthy } from './cases';

/** stdout is a non-blocking pipe: a synchronous write can meet EAGAIN while the parent is busy. */
function say(s: string): void {
  const b = Buffer.from(`${s}\n`);
  for (let off = 0; off < b.length;) {
    try { off += writeSync(1, b, off); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e; }
  }
}
const cases = allCases();
const todo = (process.argv[2] ?? '').split(',').filter(Boolean).map(Number);
for (const n of todo) {
  say(`B ${n}`);
  let r = runCase(m, cases[n]);
  if (!healthy(m)) r = { ...r, outcome: 'unhealthy', detail: `after ${r.outcome}: ${r.detail ?? ''}` };
  say(`E ${n} ${JSON.stringify(r)}`);
}
(globalThis as { gc?: () => void }).gc?.();
m.manualSeed(0);
const a = m.randn([64, 64]).double();
const x = m.matmul(a, m.eye(64, 64, { dtype: 'float64' })).sub(a).abs().amax().item();
const s = m.arange(0, 1000).sum().item();
if (x !== 0 || s !== 499500 || !healthy(m)) { say(`SICK ${x} ${s}`); process.exit(3); }
say('HEALTHY');
