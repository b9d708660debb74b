// A small BERT pretrained as a masked language model on SpamAssassin text, then fine-tuned to tell
// spam from ham; the same fine-tune from scratch (same split, seed, batches) says whether pretraining helped.
// Run: node examples/bert_spam.js [pretrainSteps] [finetuneSteps] [messages]   (slow on 2 cores at full size)
'use strict';
const my = require('..');

(async () => {
  const pretrainSteps = Number(process.argv[2] || 2000);
  const finetuneSteps = Number(process.argv[3] || 200);
  const trainLimit = process.argv[4] ? Number(process.argv[4]) : undefined;
  const r = await my.train.bertRecipes.trainBertSpam({ pretrainSteps, finetuneSteps, trainLimit, seed: 0 });
  console.log(r.summary);
})().catch((e) => { console.error(e.message); process.exit(1); });
