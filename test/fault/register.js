// Lets a plain `node` child process require the TypeScript sources (ts/, test/fault/) the way
// vitest does: each .ts file is transpiled to CommonJS by esbuild (vitest's own dependency)
// on require. Type errors are not checked here; `tsc --noEmit` does that.
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline',
  });
  module._compile(code, filename);
};
