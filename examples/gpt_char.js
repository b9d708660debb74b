// A character GPT on the State of the Union addresses (the gpt-char recipe): validation loss,
// then text sampled with the KV cache at three temperatures, top-k and top-p (seeded: the same
// seed, the same text). Run: node examples/gpt_char.js [steps] [nEmbd] [nLayer]
'use strict';
const my = require('..');

(async () => {
  const steps = Number(process.argv[2] || 2000), nEmbd = Number(process.argv[3] || 128), nLayer = Number(process.argv[4] || 4);
  const r = await my.train.transformerRecipes.trainGptChar({ steps, nEmbd, nLayer, seed: 0, log: (s) => console.error(s) });
  console.log(r.summary);
  const prompt = r.tok.encode('My fellow citizens');
  const ids = my.tensor(prompt, { dtype: 'int64' }).reshape([1, prompt.length]);
  for (const o of [{ temperature: 0.5 }, { temperature: 1.0, topK: 10 }, { temperature: 1.0, topP: 0.9 }]) {
    my.manualSeed(1);
    const out = r.model.generate(ids, { maxNewTokens: r.model.config.blockSize - prompt.length, ...o });
    console.log(`\n${JSON.stringify(o)}:\n${r.tok.decode(Array.from(out.data(), Number))}`);
    out.dispose();
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
