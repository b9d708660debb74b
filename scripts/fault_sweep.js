#!/usr/bin/env node
// The full fault-injection sweep (CI runs a seeded sample: test/fault_injection.test.ts).
//   node scripts/fault_sweep.js [count] [--seed N] [--procs N] [--json out.json] [--repro N]
// count: how many cases with bad input besides every function's good-argument case (default:
// all of them). Prints one reproducer line per failing case, counts per outcome and per class
// of bad input, and exits 1 when any case failed or a child process ended unhealthy.
// --repro N also runs the crash reproducers at full size: N rounds of four kinds of
// caught errors (the issue asks for 10^6 errors: N = 250000), 100 rounds of worker.terminate()
// during addon calls and 20 process.exit() calls with workers inside the addon.
'use strict';
require('../test/fault/register.js');
const { writeFileSync } = require('node:fs');
const { allCases, sample } = require('../test/fault/cases.ts');
const { runCases, failures, sickChildren, summary } = require('../test/fault/run.ts');

const argv = process.argv.slice(2);
const flag = (name, def) => { const i = argv.indexOf(name); return i >= 0 ? argv.splice(i, 2)[1] : def; };
const seed = Number(flag('--seed', 1));
const procs = Number(flag('--procs', 2));
const json = flag('--json', null);
const repro = Number(flag('--repro', 0));
const total = allCases().filter((c) => c.bad).length;
const count = argv[0] === undefined ? total : Number(argv[0]);

(async () => {
  const todo = sample(count, seed);
  console.log(`fault sweep: ${todo.length} of ${allCases().length} cases, seed ${seed}, ${procs} processes`);
  const run = await runCases(todo, { procs });
  for (const line of failures(run)) console.log(line);
  const s = summary(run);
  console.log(`\n${run.results.length} cases in ${(run.ms / 1000).toFixed(1)} s, ${run.children.length} child processes`);
  console.log('outcomes:', JSON.stringify(s.outcomes));
  console.log('by class:', JSON.stringify(s.classes));
  const sick = sickChildren(run).filter((c) => c.cases > 0 || c.signal);
  for (const c of sick) console.log(`unhealthy child: code ${c.code} signal ${c.signal}: ${c.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  if (json) writeFileSync(json, JSON.stringify({ seed, ...s, failures: failures(run) }, null, 1));
  let reproFailed = 0;
  if (repro) {
    const r = require('../test/fault/repro.ts');
    // [name, script, what the last stdout line must say] (the same expectations as test/fault_injection.test.ts)
    const runs = [
      ['caught errors', r.caughtErrors(repro), (o) => o.caught.every((c) => c === repro) && o.sum === 64 ** 3],
      ['worker.terminate', r.terminateWorkers(100, false), (o) => o.terminated === 200],
      ...Array.from({ length: 20 }, () => ['process.exit with workers', r.terminateWorkers(0, true), () => true]),
      ['asStrided wrapping extent', r.wrappingStride, (o) => Object.values(o).every((msg) => msg.startsWith('as_strided: '))],
      ['maxPool2d empty windows', r.poolEmptyWindow, (o) => o.smallNonInf === 0 && o.wideNonInf === 0],
    ];
    for (const [name, script, expect] of runs) {
      const e = r.node(script, 600_000);
      const ok = e.status === 0 && e.signal === null && !/terminate called|FATAL/.test(e.stderr) && e.last !== null && expect(e.last);
      if (!ok) reproFailed++;
      console.log(`repro ${name}: ${ok ? 'ok' : 'FAILED'} (code ${e.status}, signal ${e.signal}) ${e.stdout.trim().split('\n').pop() ?? ''}`);
    }
  }
  process.exitCode = failures(run).length || sick.length || reproFailed ? 1 : 0;
})();
