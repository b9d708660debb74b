// Writes dist/index.mjs, the ESM entry: it re-exports the CommonJS build by name so
// `import { tensor } from 'myelin'` and `require('myelin')` share one module instance.
'use strict';
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default' && n !== '__esModule');
fs.writeFileSync(path.join(dist, 'index.mjs'),
  `import m from './index.js';\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`);
