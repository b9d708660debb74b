// Spam vs ham on the SpamAssassin corpus: a bidirectional GRU over word tokens and the
// bag-of-words logistic regression it must beat, trained in one run (the spam-rnn recipe).
// Run: node examples/spam_rnn.js [epochs] [messages]   (all 6,046 messages by default: slow on 2 cores)
'use strict';
const my = require('..');

(async () => {
  const epochs = Number(process.argv[2] || 4);
  const trainLimit = process.argv[3] ? Number(process.argv[3]) : undefined;
  const r = await my.train.seqRecipes.trainSpamRnn({ epochs, trainLimit, seed: 0 });
  console.log(r.summary);
  console.log(`GRU precision ${r.rnn.precision.toFixed(3)}, recall ${r.rnn.recall.toFixed(3)}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
