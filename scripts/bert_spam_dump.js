// Dumps bert-spam's tokenized split (the recipe's own seed-0 split, tokenizer and [CLS] ... [SEP] rows) as JSON for
// scripts/bert_spam_torch.py, the recipe's torch twin. Run after a build:
//   node scripts/bert_spam_dump.js 100000 64 /tmp/spam_all_64.json   (messages kept, tokens per row, output)
const my = require('..');
const { text, data, models } = my;
const [limit, maxLen, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const seed = 0;
my.manualSeed(seed);
let mail = text.loadSpamAssassin({ headers: false });
if (limit < mail.length) { const k = data.splitIndices(mail.length, [limit, mail.length - limit], seed)[0]; mail = k.map((i) => mail[i]); }
const [trIdx, teIdx] = data.splitIndices(mail.length, [0.8, 0.2], seed);
const tok = models.bertWordTokenizer(trIdx.map((i) => mail[i].text), { minFreq: 2, maxSize: 8000 });
const rows = (idx) => idx.map((i) => models.bertEncode(tok, mail[i].text, maxLen));
require('fs').writeFileSync(out, JSON.stringify({ V: tok.vocabSize, tr: rows(trIdx), te: rows(teIdx), trY: trIdx.map((i) => mail[i].label), teY: teIdx.map((i) => mail[i].label) }));
console.log('vocab', tok.vocabSize, trIdx.length, teIdx.length);
