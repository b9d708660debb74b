#!/usr/bin/env node
// The myelin CLI: `myelin train mnist-mlp`, `myelin info` (see ts/cli.ts).
'use strict';
require('../dist/cli.js').main(process.argv).then((code) => { process.exitCode = code; });
