// The gpt-char recipe side by side with PyTorch CPU (bench/baselines/gpt_char.py): this file
// writes the token ids, the validation split, every step's window starts and the initial weights
// (safetensors) to temp files the Python side reads, so both train the same model from the same
// weights on identical batches. Reports training tokens/s and both validation losses, then
// generation tokens/s with the KV cache (myelin) vs torch eager with the same cache.
// GPT_STEPS (default 200), GPT_LAYERS (2), GPT_EMBD (64), GPT_HEADS (4), GPT_BLOCK (64), GPT_BATCH (16) size it.
// Run: PATH=/tmp/venv-c/bin:$PATH node bench/run.js gpt_char
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const my = require('..');

const env = (k, d) => Number(process.env[k] || d);
const opts = {
  steps: env('GPT_STEPS', 200), nLayer: env('GPT_LAYERS', 2), nEmbd: env('GPT_EMBD', 64), nHead: env('GPT_HEADS', 4),
  blockSize: env('GPT_BLOCK', 64), batchSize: env('GPT_BATCH', 16), valWindows: 256, seed: 0, lr: 1e-3,
};
const d = my.train.transformerRecipes.gptCharData(opts);
my.manualSeed(0);
const init = new my.models.GPT({ vocabSize: d.tok.vocabSize, blockSize: d.blockSize, nLayer: opts.nLayer, nHead: opts.nHead, nEmbd: opts.nEmbd });
// written at load time: bench/run.js runs the baseline (which reads them) before runCase
const file = path.join(os.tmpdir(), `myelin_gpt_char_${process.pid}.json`);
const weights = path.join(os.tmpdir(), `myelin_gpt_char_${process.pid}.safetensors`);
init.save(weights);
const gen = { prompt: d.tok.encode('The State of the Union '), newTokens: env('GPT_NEW', 40), temperature: 0.8, topK: 20 };
fs.writeFileSync(file, JSON.stringify({
  ...opts, vocabSize: d.tok.vocabSize, weights, gen,
  train: Array.from(d.trainIds), val: Array.from(d.valIds), starts: Array.from(d.starts),
}));
process.env.GPT_CHAR_DATA = file;
process.on('exit', () => { for (const f of [file, weights]) try { fs.unlinkSync(f); } catch { /* already gone */ } });

const trainName = `gpt-char L${opts.nLayer} d${opts.nEmbd} T${opts.blockSize} B${opts.batchSize} ${opts.steps} steps (train tokens/s)`;
const genName = `gpt generate ${gen.newTokens} tokens, KV cache (tokens/s)`;
const last = {};
async function runCase(c) {
  if (c.name === trainName) {
    const r = await my.train.transformerRecipes.trainGptChar({ ...opts, log: () => {}, init: (m) => m.loadStateDict(my.io.loadSafetensors(weights)) });
    last.val = r.valLoss;
    return r.tokensPerSecond;
  }
  // generation speed on the initial weights (speed does not depend on them); the median of 3
  const p = my.tensor(gen.prompt, { dtype: 'int64' }).reshape([1, gen.prompt.length]);
  const once = (useCache) => { const t = performance.now(); init.generate(p, { maxNewTokens: gen.newTokens, temperature: gen.temperature, topK: gen.topK, useCache }).dispose(); return gen.newTokens / ((performance.now() - t) / 1000); };
  once(true);
  const r = [once(true), once(true), once(true)].sort((a, b) => a - b)[1];
  last.noCache = once(false);
  return r;
}

module.exports = {
  cases: [{ name: trainName }, { name: genName }], runCase, baseline: 'gpt_char.py',
  notes: (rows) => {
    const t = rows.find((r) => r.name === trainName), g = rows.find((r) => r.name === genName);
    const out = [];
    if (t) out.push(`${t.name}: validation loss myelin ${last.val.toFixed(4)}, PyTorch ${t.torchVal != null ? t.torchVal.toFixed(4) : '-'} nats/char`
      + (t.torchVal ? ` (ratio ${(last.val / t.torchVal).toFixed(4)}, ${(100 * Math.abs(last.val / t.torchVal - 1)).toFixed(2)}% apart)` : ''));
    if (g) out.push(`${g.name}: myelin ${g.myelin.toFixed(1)} tokens/s with the cache (${last.noCache.toFixed(1)} without), PyTorch eager ${g.torch ? g.torch.toFixed(1) : '-'} tokens/s`);
    return out;
  },
};
