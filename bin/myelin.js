#!/usr/bin/env node
// The myelin CLI: `myelin train mnist-mlp`, `myelin info` (see ts/cli.ts).
'use strict';
process.exitCode = require('../dist/cli.js').main(process.argv);
