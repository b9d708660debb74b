#!/usr/bin/env node
// Reads native/ops.def (one typed row per op) and writes what follows from it:
//   native/core/op_table_gen.inc  the per-op schema table the binding's one generic
//                                 decoder and the graph executor read (OpSchema rows)
//   ts/ops/binding_gen.ts         the typed TS interface of every op export (no index signature)
//   ts/ops/table_gen.ts           the TS op table: id, family, api, grad, signature, args
// Run `npm run gen` after editing ops.def; CI (.ci/run) and test/schema.test.ts fail when
// the committed files differ from what this writes. `--check` writes nothing and exits 1
// on drift.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const MAX_ARGS = 14;  // native/core/op_table.h kMaxArgs

// signature type -> [C++ ArgType, TS type]
const TYPES = {
  'tensor': ['tensor', 'H'],
  'tensor?': ['opt_tensor', 'H | null'],
  'scalar': ['scalar', 'H | number | boolean'],
  'tensor[]': ['tensor_list', 'H[]'],
  'tensor|float': ['tensor_or_float', 'H | number'],
  'int': ['int_', 'number'],
  'int?': ['opt_int', 'number | null'],
  'float': ['float_', 'number'],
  'float?': ['opt_float', 'number | null'],
  'bool': ['bool_', 'boolean'],
  'int[]': ['dims', 'number[]'],
  'int[]?': ['opt_dims', 'number[] | number | null'],
  'dtype': ['dtype', 'DType'],
  'typed_array': ['typed_array', 'ArrayBufferView'],
};
const FAMILIES = ['unary', 'binary', 'view', 'creation', 'reduce', 'linalg', 'index', 'conv', 'optim'];

// Splits a macro's argument text at the commas outside string literals.
function splitArgs(s) {
  const out = [];
  let cur = '', q = false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '"' && s[k - 1] !== '\\') q = !q;
    if (c === ',' && !q) { out.push(cur.trim()); cur = ''; } else cur += c;
  }
  out.push(cur.trim());
  return out;
}
const unquote = (s, where) => {
  if (!/^".*"$/.test(s)) throw new Error(`${where}: expected a string literal, got ${s}`);
  return s.slice(1, -1);
};

function parseSignature(sig, where) {
  const m = /^\((.*)\) -> (.+)$/.exec(sig);
  if (!m) throw new Error(`${where}: signature must read "(args) -> result", got "${sig}"`);
  const args = m[1].split(',').map((a) => a.trim()).filter(Boolean).map((a) => {
    const am = /^(\w+)(\??): (.+)$/.exec(a);
    if (!am) throw new Error(`${where}: bad argument "${a}"`);
    if (!TYPES[am[3]]) throw new Error(`${where}: unknown type "${am[3]}" (known: ${Object.keys(TYPES).join(', ')})`);
    return { name: am[1], type: am[3], omittable: am[2] === '?' };
  });
  if (args.length > MAX_ARGS) throw new Error(`${where}: more than ${MAX_ARGS} arguments`);
  // native/core/op_table.h ArgStore's room
  if (args.filter((a) => a.type.startsWith('int[]')).length > 4) throw new Error(`${where}: more than 4 int[] arguments`);
  if (args.filter((a) => a.type === 'scalar').length > 3) throw new Error(`${where}: more than 3 scalar arguments`);
  if (args.filter((a) => a.type === 'tensor[]').length > 1) throw new Error(`${where}: more than one tensor[] argument`);
  const firstOmit = args.findIndex((a) => a.omittable);
  if (firstOmit >= 0 && args.slice(firstOmit).some((a) => !a.omittable))
    throw new Error(`${where}: only trailing arguments may be left out`);
  const r = m[2].trim();
  let result;
  if (r === 'tensor') result = { kind: 'tensor', n: 1 };
  else if (r === 'self') result = { kind: 'self', n: 1 };
  else if (r === 'out') {
    if (!args.some((a) => a.name === 'out' && a.type === 'tensor?')) throw new Error(`${where}: "-> out" needs an argument out: tensor?`);
    result = { kind: 'out', n: 1 };
  } else {
    const tm = /^\((.+)\)$/.exec(r);
    if (!tm) throw new Error(`${where}: bad result "${r}"`);
    const parts = tm[1].split(',').map((p) => p.trim());
    if (parts.some((p) => p !== 'tensor' && p !== 'tensor?') || parts.length > 3) throw new Error(`${where}: bad result "${r}"`);
    result = { kind: 'tuple', n: parts.length, optional: parts.map((p) => p === 'tensor?') };
  }
  return { args, result, minArgc: firstOmit >= 0 ? firstOmit : args.length };
}

function parseGrad(g, where) {
  if (g === 'rule' || g === 'record' || g === 'inplace') return g;
  const m = /^none: (.{6,})$/.exec(g);
  if (!m) throw new Error(`${where}: grad must be rule, record, inplace or "none: <why>", got "${g}"`);
  return { none: m[1] };
}

function parseOpsDef(text) {
  const rows = [];
  text.split('\n').forEach((line, ln) => {
    const m = /^(MYELIN_UNARY_OP|MYELIN_BINARY_OP|MYELIN_OP)\((.*)\)\s*$/.exec(line);
    if (!m) return;
    const where = `native/ops.def:${ln + 1}`;
    const a = splitArgs(m[2]);
    let id, family, api, sig, grad;
    if (m[1] === 'MYELIN_UNARY_OP') { if (a.length !== 7) throw new Error(`${where}: MYELIN_UNARY_OP takes 7 columns`); [id, , , , api, sig, grad] = a; family = 'unary'; }
    else if (m[1] === 'MYELIN_BINARY_OP') { if (a.length !== 6) throw new Error(`${where}: MYELIN_BINARY_OP takes 6 columns`); [id, , , api, sig, grad] = a; family = 'binary'; }
    else { if (a.length !== 5) throw new Error(`${where}: MYELIN_OP takes 5 columns`); [id, family, api, sig, grad] = a; }
    if (!/^[a-z][a-z0-9_]*$/.test(id)) throw new Error(`${where}: op id "${id}" is not snake_case`);
    if (!FAMILIES.includes(family)) throw new Error(`${where}: unknown family ${family}`);
    if (m[1] === 'MYELIN_UNARY_OP') {  // the kernel reads nparams numbers after x
      const np = Number(a[3]);
      const s = parseSignature(unquote(sig, where), where);
      if (s.args.length !== np + 2) throw new Error(`${where}: a unary row with nparams ${np} takes x, ${np} float? and out`);
    }
    api = unquote(api, where) || id.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    const signature = unquote(sig, where);
    rows.push({ id, family, api, grad: parseGrad(unquote(grad, where), where), signature, ...parseSignature(signature, where) });
  });
  const seen = new Set();
  for (const r of rows) { if (seen.has(r.id)) throw new Error(`native/ops.def: duplicate op id ${r.id}`); seen.add(r.id); }
  return rows;
}

const HEADER = (by) => `// Generated by scripts/gen_ops.js from native/ops.def: do not edit, run \`npm run gen\`.${by ? '\n' + by : ''}\n`;

function genCpp(rows) {
  const lines = rows.map((r) => {
    const args = r.args.map((a) => `{"${a.name}", ArgType::${TYPES[a.type][0]}}`).join(', ');
    const out = r.args.findIndex((a) => a.name === 'out' && r.result.kind === 'out');
    const opt = r.result.optional ? r.result.optional.reduce((m, o, k) => m | (o ? 1 << k : 0), 0) : 0;
    return `    {"${r.id}", "${r.family}", ${r.args.length}, ${r.minArgc}, RetKind::${r.result.kind}, ${r.result.n}, ${out}, ${opt}, {${args}}},`;
  });
  return HEADER('// The schema of each op, in OpId order (native/core/op_table.h explains the columns).') +
    `const OpSchema kOpSchemas[] = {\n${lines.join('\n')}\n};\n`;
}

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
function genTsBinding(rows) {
  const ret = (r) => r.result.kind === 'tuple' ? `[${r.result.optional.map((o) => (o ? 'H | null' : 'H')).join(', ')}]` : 'H';
  const lines = rows.map((r) => {
    const params = r.args.map((a) => `${camel(a.name)}${a.omittable ? '?' : ''}: ${TYPES[a.type][1]}`).join(', ');
    return `  ${r.id}(${params}): ${ret(r)};`;
  });
  return HEADER('// The native op exports, one per ops.def row, with the row\'s argument list.') +
    `import type { DType } from '../dtype';\nimport type { Handle as H } from '../binding';\n\n` +
    `export interface OpBinding {\n${lines.join('\n')}\n}\n`;
}

function genTsTable(rows) {
  const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = rows.map((r) => {
    const grad = typeof r.grad === 'object' ? `{ none: ${q(r.grad.none)} }` : q(r.grad);
    const args = r.args.map((a) => `[${q(a.name)}, ${q(a.type)}${a.omittable ? ', true' : ''}]`).join(', ');
    return `  { id: ${q(r.id)}, family: ${q(r.family)}, api: ${q(r.api)}, grad: ${grad},\n    signature: ${q(r.signature)},\n    args: [${args}], result: ${q(r.result.kind)} },`;
  });
  return HEADER('// The op table, one row per ops.def row in the same order (ts/ops/registry.ts exports it).') +
    `import type { OpRow } from './registry';\n\nexport const OP_ROWS: readonly OpRow[] = [\n${lines.join('\n')}\n];\n`;
}

function outputs() {
  const rows = parseOpsDef(fs.readFileSync(path.join(root, 'native/ops.def'), 'utf8'));
  return {
    'native/core/op_table_gen.inc': genCpp(rows),
    'ts/ops/binding_gen.ts': genTsBinding(rows),
    'ts/ops/table_gen.ts': genTsTable(rows),
  };
}

module.exports = { parseOpsDef, parseSignature, outputs };

if (require.main === module) {
  const check = process.argv.includes('--check');
  let drift = 0;
  for (const [rel, text] of Object.entries(outputs())) {
    const file = path.join(root, rel);
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (old === text) continue;
    if (check) { console.error(`${rel} is out of date with native/ops.def: run npm run gen`); drift++; }
    else { fs.writeFileSync(file, text); console.log(`wrote ${rel}`); }
  }
  process.exit(drift ? 1 : 0);
}
