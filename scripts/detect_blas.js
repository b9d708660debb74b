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

// oneDNN (Debian's libdnnl-dev) for float32 convolutions; MYELIN_DNNL=none (or
// MYELIN_BLAS=none, the all-built-in build) leaves conv on im2col + GEMM.
function findDnnl() {
  if (process.env.MYELIN_DNNL === 'none' || process.env.MYELIN_BLAS === 'none') return null;
  const inc = ['/usr/include', '/usr/local/include'].find((d) => fs.existsSync(path.join(d, 'oneapi', 'dnnl', 'dnnl.hpp')));
  const lib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/local/lib', '/usr/lib']
    .find((d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => /^libdnnl\.(so|dylib)$/.test(f)));
  return inc && lib ? { inc, lib } : null;
}

// glibc's vector math library (see native/core/vec_math.h)
function hasMvec() {
  return process.platform === 'linux' && process.arch === 'x64' &&
    ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64'].some((d) => fs.existsSync(path.join(d, 'libmvec.so')) || fs.existsSync(path.join(d, 'libmvec.so.1')));
}

function safeDirs(fn) { try { return fn(); } catch { return undefined; } }

const blas = safeDirs(findOpenBlas);
const dnnl = safeDirs(findDnnl);
const field = process.argv[2];
const out = {
  defines: (blas ? ['MYELIN_CBLAS', 'MYELIN_OPENBLAS'] : []).concat(dnnl ? ['MYELIN_DNNL'] : [], hasMvec() ? ['MYELIN_MVEC'] : []),
  include_dirs: (blas ? [blas.inc] : []).concat(dnnl && dnnl.inc !== '/usr/include' ? [dnnl.inc] : []),  // /usr/include is already searched
  libraries: (blas ? [`-L${blas.lib}`, '-lopenblas'] : []).concat(dnnl ? [`-L${dnnl.lib}`, '-ldnnl', '-lgomp'] : [], hasMvec() ? ['-lmvec'] : []),
  flags: process.env.MYELIN_PORTABLE ? [] : ['-march=native'],
}[field];
if (!out) { console.error(`detect_blas: unknown field ${field}`); process.exit(1); }
process.stdout.write(out.join(process.argv[3] === '--cmake' ? ';' : ' '));
