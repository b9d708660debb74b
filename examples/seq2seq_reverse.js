// An encoder-decoder Transformer learns to reverse digit strings (an algorithmic task: no parallel
// text corpus installs offline), trained with teacher forcing, decoded greedily and by beam search.
// Run: node examples/seq2seq_reverse.js [steps]
'use strict';
const my = require('..');

(async () => {
  const steps = Number(process.argv[2] || 3000);
  const r = await my.train.bertRecipes.trainSeq2SeqReverse({ steps, seed: 0 });
  console.log(r.summary);
  const src = my.tensor([[3, 4, 5, 6, 7, 8]], { dtype: 'int64' });   // the digits 0 1 2 3 4 5
  const out = r.model.beamSearch(src, { beamSize: 4, maxLen: 11, bosId: 1, eosId: 2 })[0];
  console.log('reverse of 012345:', out.tokens.filter((t) => t > 2).map((t) => t - 3).join(''));
})().catch((e) => { console.error(e.message); process.exit(1); });
