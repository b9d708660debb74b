#!/usr/bin/env node
// Build-time BLAS probe shared by binding.gyp and CMakeLists.txt.
// Prints, for the requested field, what the build needs: `defines`, `include_dirs`,
// `libraries` or `flags` (-march). MYELIN_BLAS=none forces the built-in GEMM;
// MYELIN_PORTABLE=1 drops -march=native.
'use strict';
const fs = require('fs');
const path = require('path');

function findOpenBlas() {
  if (process.env.MYELIN_BLAS === 'none') return null;
  const incDirs = ['/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu', '/usr/include/openblas', '/usr/local/include', '/usr/include', '/opt/homebrew/opt/openblas/include'];
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/local/lib', '/usr/lib', '/opt/homebrew/opt/openblas/lib'];
  const inc = incDirs.find((d) => fs.existsSync(path.join(d, 'cblas.h')));
  const lib = libDirs.find((d) => fs.readdirSync(d, { withFileTypes: false }).some((f) => /^libopenblas\.(so|dylib|a)/.test(f)) );
  if (!inc || !lib) return null;
  return { inc, lib };
}

// glibc's vector math library (see native/core/vec_math.h)
function hasMvec() {
  return process.platform === 'linux' && process.arch === 'x64' &&
    ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64'].some((d) => fs.existsSync(path.join(d, 'libmvec.so')) || fs.existsSync(path.join(d, 'libmvec.so.1')));
}

function safeDirs(fn) { try { return fn(); } catch { return undefined; } }

const blas = safeDirs(findOpenBlas);
const field = process.argv[2];
const out = {
  defines: (blas ? ['MYELIN_CBLAS', 'MYELIN_OPENBLAS'] : []).concat(hasMvec() ? ['MYELIN_MVEC'] : []),
  include_dirs: blas ? [blas.inc] : [],
  libraries: (blas ? [`-L${blas.lib}`, '-lopenblas'] : []).concat(hasMvec() ? ['-lmvec'] : []),
  flags: process.env.MYELIN_PORTABLE ? [] : ['-march=native'],
}[field];
if (!out) { console.error(`detect_blas: unknown field ${field}`); process.exit(1); }
process.stdout.write(out.join(process.argv[3] === '--cmake' ? ';' : ' '));
