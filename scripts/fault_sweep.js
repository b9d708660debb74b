#!/usr/bin/env node
// The full fault-injection sweep (CI runs a seeded sample: test/fault_injection.test.ts).
//   node scripts/fault_sweep.js [count] [--seed N] [--procs N] [--json out.json]
// count: how many cases with bad input besides every function's good-argument case (default:
// all of them). Prints one reproducer line per failing case, counts per outcome and per class
// of bad input, and exits 1 when any case failed or a child process ended unhealthy.
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
  process.exitCode = failures(run).length || sick.length ? 1 : 0;
})();
