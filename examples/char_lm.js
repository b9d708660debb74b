// A character-level LSTM language model on Moby Dick (the char-lm recipe): validation bits per
// character, then text sampled at three temperatures (seeded: the same seed, the same text).
// Run: node examples/char_lm.js [steps] [hidden]
'use strict';
const my = require('..');

(async () => {
  const steps = Number(process.argv[2] || 1000), hidden = Number(process.argv[3] || 256);
  const r = await my.train.seqRecipes.trainCharLm({ steps, hidden, seed: 0, log: (s) => console.error(s) });
  console.log(r.summary);
  for (const t of [0.5, 1.0, 1.5]) console.log(`\ntemperature ${t}:\n${my.train.seqRecipes.sampleChars(r.model, r.tok, 'The whale ', 200, t, 1)}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
