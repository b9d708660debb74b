// The char-lm recipe side by side with PyTorch CPU (bench/baselines/char_lm.py) on the very same
// data: this file writes the token ids, the validation split and every step's window starts to a
// temp file the Python side reads, so both train on identical batches for the same steps.
// Reports tokens/s (the ratio) and both validation bits/char. CHAR_LM_STEPS (default 300),
// CHAR_LM_HIDDEN (256) and CHAR_LM_LIMIT (characters of Moby Dick; default all) size it.
// Run: node bench/run.js char_lm
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const my = require('..');

const opts = {
  steps: Number(process.env.CHAR_LM_STEPS || 300), hidden: Number(process.env.CHAR_LM_HIDDEN || 256),
  trainLimit: process.env.CHAR_LM_LIMIT ? Number(process.env.CHAR_LM_LIMIT) : undefined, seed: 0,
};
const d = my.train.seqRecipes.charLmData(opts);
// written at load time: bench/run.js runs the baseline (which reads it) before runCase
const file = path.join(os.tmpdir(), `myelin_char_lm_${process.pid}.json`);
fs.writeFileSync(file, JSON.stringify({
  vocabSize: d.tok.vocabSize, seqLen: d.seqLen, batchSize: d.batchSize, steps: d.steps, hidden: opts.hidden, lr: 2e-3,
  train: Array.from(d.trainIds), val: Array.from(d.valIds), starts: Array.from(d.starts),
}));
process.env.CHAR_LM_DATA = file;
process.on('exit', () => { try { fs.unlinkSync(file); } catch { /* already gone */ } });

const name = `char-lm lstm h${opts.hidden} ${d.steps} steps`;
const last = {};
async function runCase(c) {
  const r = await my.train.seqRecipes.trainCharLm({ ...opts, log: () => {} });
  last[c.name] = r.bpc;
  return r.tokensPerSecond;
}

module.exports = {
  cases: [{ name }], runCase, baseline: 'char_lm.py',
  notes: (rows) => rows.map((r) => `${r.name}: myelin ${Math.round(r.myelin)} tokens/s, validation ${last[r.name].toFixed(4)} bits/char; `
    + `PyTorch ${r.torch ? Math.round(r.torch) : '-'} tokens/s, ${r.torchBpc != null ? r.torchBpc.toFixed(4) : '-'} bits/char`
    + (r.torchBpc ? ` (bpc ratio ${(last[r.name] / r.torchBpc).toFixed(4)})` : '')),
};
