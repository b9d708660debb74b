// myelin.text tokenizers: the word vocabulary builder against Python (Counter + sort by
// (-count, word), scripts/gen_text_fixtures.py), the char vocabulary against sorted(set(text)),
// GPT-2/cl100k byte-pair ids against js-tiktoken (a separate implementation with its own rank
// copy) and published ids, round trips, JSON save/load, and bad input as named Errors.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { getEncoding } from 'js-tiktoken';
import * as my from '../ts/index';

const { text } = my;
const FX = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'text', 'moby_vocab.json'), 'utf8'));
const chapters = text.loadMobyDick();
const first3 = chapters.filter((c) => ['1', '2', '3'].includes(c.chapter)).map((c) => c.text);
const dir = mkdtempSync(join(tmpdir(), 'myelin-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WordTokenizer.buildVocab matches Python on Moby Dick chapters 1-3', () => {
  it('minFreq 1: specials first, then frequency descending, ties by word', () => {
    const tok = text.WordTokenizer.buildVocab(first3);
    expect(tok.vocab).toEqual(FX.vocab_min1);
    expect(tok.vocab.slice(0, 4)).toEqual(['<pad>', '<unk>', '<bos>', '<eos>']);
  });
  it('minFreq 2 leaves out words seen once', () => {
    expect(text.WordTokenizer.buildVocab(first3, { minFreq: 2 }).vocab).toEqual(FX.vocab_min2);
  });
  it('maxSize 300 counts the specials and cuts the rarest', () => {
    const tok = text.WordTokenizer.buildVocab(first3, { maxSize: 300 });
    expect(tok.vocabSize).toBe(300);
    expect(tok.vocab).toEqual(FX.vocab_max300);
  });
  it('lower: false keeps case (minFreq 3)', () => {
    expect(text.WordTokenizer.buildVocab(first3, { lower: false, minFreq: 3 }).vocab).toEqual(FX.vocab_cased_min3);
  });
  it('encodes a sentence as Python does, unknown words to <unk>', () => {
    const tok = text.WordTokenizer.buildVocab(first3);
    expect(tok.encode(FX.sentence)).toEqual(FX.sentence_ids);
    expect(tok.encode('zzyzx')).toEqual([tok.tokenToId('<unk>')]);
    expect(tok.tokenToId('never-seen')).toBe(1);
  });
});

describe('WordTokenizer rules on small inputs', () => {
  it('tie order is frequency desc then word, independent of input order', () => {
    const a = text.WordTokenizer.buildVocab(['b a c b a', 'd'], { specials: ['<unk>'] });
    const b = text.WordTokenizer.buildVocab(['d', 'a b a c b'], { specials: ['<unk>'] });
    expect(a.vocab).toEqual(['<unk>', 'a', 'b', 'c', 'd']);
    expect(b.vocab).toEqual(a.vocab);
  });
  it('a special appearing in the text is not counted twice; custom specials and unk', () => {
    const tok = text.WordTokenizer.buildVocab(['x <pad> x'], { specials: ['<pad>', '<oov>'], unk: '<oov>', tokenize: (s) => s.split(' ') });
    expect(tok.vocab).toEqual(['<pad>', '<oov>', 'x']);
    expect(tok.encode('x y')).toEqual([2, 1]);
  });
  it('bos/eos, decode, skipSpecials', () => {
    const tok = text.WordTokenizer.buildVocab('the cat sat on the mat .');
    const ids = tok.encode('The cat sat.', { bos: true, eos: true });
    expect(ids[0]).toBe(2);
    expect(ids[ids.length - 1]).toBe(3);
    expect(tok.decode(ids)).toBe('<bos> the cat sat . <eos>');
    expect(tok.decode(ids, { skipSpecials: true })).toBe('the cat sat .');
  });
  it("the default split keeps inner apostrophes and splits punctuation", () => {
    expect(text.BASIC_TOKENIZE("don't stop-now, 3.5km")).toEqual(["don't", 'stop', '-', 'now', ',', '3', '.', '5km']);
  });
  it('JSON round trip and save/load give the same ids', () => {
    const tok = text.WordTokenizer.buildVocab(first3, { minFreq: 2 });
    const back = text.WordTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    expect(back.vocab).toEqual(tok.vocab);
    const f = join(dir, 'vocab.json');
    tok.save(f);
    const loaded = text.WordTokenizer.load(f);
    const generic = text.loadTokenizer(f);
    for (const t of first3) {
      expect(loaded.encode(t)).toEqual(tok.encode(t));
      expect(generic.encode(t)).toEqual(tok.encode(t));
    }
    expect(loaded.lower).toBe(true);
  });
  it('a custom tokenize is not in the JSON: loading without it is a named Error', () => {
    const tok = text.WordTokenizer.buildVocab(['a|b|a'], { tokenize: (s) => s.split('|') });
    const j = tok.toJSON();
    expect(() => text.WordTokenizer.fromJSON(j)).toThrow(/^WordTokenizer\.fromJSON: this vocabulary was built with a custom tokenize function/);
    expect(text.WordTokenizer.fromJSON(j, { tokenize: (s) => s.split('|') }).encode('b|a')).toEqual(tok.encode('b|a'));
  });
});

describe('CharTokenizer', () => {
  it('vocabulary is sorted(set(text)) of Moby Dick chapters 1-3, and round-trips them', () => {
    const tok = text.CharTokenizer.fromText(first3);
    expect(tok.vocab).toEqual(FX.chars);
    for (const t of first3) expect(tok.decode(tok.encode(t))).toBe(t);
  });
  it('an astral character is one id; unknown characters throw or map to unk', () => {
    const strict = text.CharTokenizer.fromText('ab🐋');
    expect(strict.encode('🐋a')).toEqual([2, 0]);
    expect(() => strict.encode('abc')).toThrow(/^CharTokenizer\.encode: character "c" \(U\+0063\) at index 2 is not in the vocabulary$/);
    const lenient = text.CharTokenizer.fromText('ab', { unk: '<unk>' });
    expect(lenient.vocab).toEqual(['<unk>', 'a', 'b']);
    expect(lenient.encode('abc')).toEqual([1, 2, 0]);
    expect(lenient.tokenToId('z')).toBe(0);
  });
  it('JSON and file round trip', () => {
    const tok = text.CharTokenizer.fromText(first3, { unk: '<unk>' });
    const f = join(dir, 'chars.json');
    tok.save(f);
    expect(text.CharTokenizer.load(f).vocab).toEqual(tok.vocab);
    expect(text.loadTokenizer(f).encode('Call me')).toEqual(tok.encode('Call me'));
  });
});

describe('BPETokenizer (gpt-tokenizer) against js-tiktoken and published ids', () => {
  const gpt2 = new text.BPETokenizer('gpt2');
  it('published ids: GPT-2 "hello world", the cookbook\'s cl100k "tiktoken is great!"', () => {
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    expect(gpt2.vocabSize).toBe(50257);
    expect(new text.BPETokenizer('cl100k_base').encode('tiktoken is great!')).toEqual([83, 1609, 5963, 374, 2294, 0]);
  });
  it('ids of the whole of Moby Dick equal js-tiktoken\'s, and decode gives the text back', () => {
    const all = text.mobyDickText();
    const ids = gpt2.encode(all);
    expect(ids.length).toBeGreaterThan(250_000);
    const ref = getEncoding('gpt2').encode(all);
    expect(ids.length).toBe(ref.length);
    let diff = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== ref[i]) diff++;
    expect(diff).toBe(0);
    expect(gpt2.decode(ids)).toBe(all);
  });
  it('cl100k and o200k agree with js-tiktoken on mixed scripts and emoji, and round-trip', () => {
    const s = 'Hola, ¿qué tal? Привет 世界 🐋🇪🇸  tabs\tand\nnewlines   ' + first3[0].slice(0, 2000);
    for (const enc of ['cl100k_base', 'o200k_base', 'p50k_base'] as const) {
      const tok = new text.BPETokenizer(enc);
      expect(tok.encode(s)).toEqual(getEncoding(enc).encode(s));
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });
  it('idToToken spells tokens as GPT-2\'s encoder.json (Ġ for space, Ċ for newline)', () => {
    expect([0, 1, 198, 220, 262, 995, 15496, 31373, 50256].map((i) => gpt2.idToToken(i)))
      .toEqual(['!', '"', 'Ċ', 'Ġ', 'Ġthe', 'Ġworld', 'Hello', 'hello', '<|endoftext|>']);
    expect(gpt2.tokenToId('Ġworld')).toBe(995);
    // every id's spelling maps back to it
    for (let id = 0; id < gpt2.vocabSize; id += 97) expect(gpt2.tokenToId(gpt2.idToToken(id))).toBe(id);
  });
  it('special tokens in text are ordinary text unless allowed', () => {
    expect(gpt2.encode('<|endoftext|>')).toEqual(getEncoding('gpt2').encode('<|endoftext|>', [], []));
    expect(gpt2.encode('a<|endoftext|>', { allowedSpecial: 'all' })).toEqual([64, 50256]);
    expect(gpt2.encode('a<|endoftext|>', { allowedSpecial: ['<|endoftext|>'] })).toEqual([64, 50256]);
    const s = `${first3[0].slice(0, 300)}<|endoftext|>${first3[1].slice(0, 300)}<|endoftext|><|endoftext|> end`;
    expect(gpt2.encode(s, { allowedSpecial: 'all' })).toEqual(getEncoding('gpt2').encode(s, 'all'));
    const cl = new text.BPETokenizer('cl100k_base');
    const c = `x<|fim_prefix|>y<|endoftext|>z<|fim_suffix|>`;
    expect(cl.encode(c, { allowedSpecial: ['<|fim_prefix|>', '<|fim_suffix|>'] })).toEqual(getEncoding('cl100k_base').encode(c, ['<|fim_prefix|>', '<|fim_suffix|>'], []));
    expect(cl.decode(cl.encode(c, { allowedSpecial: 'all' }))).toBe(c);
  });
  it('JSON round trip', () => {
    const back = text.tokenizerFromJSON(JSON.parse(JSON.stringify(gpt2)));
    expect(back).toBeInstanceOf(text.BPETokenizer);
    expect(back.encode('hello world')).toEqual([31373, 995]);
  });
});

describe('bad input is a named Error', () => {
  const word = text.WordTokenizer.buildVocab('a b c');
  const char = text.CharTokenizer.fromText('abc');
  const bpe = new text.BPETokenizer('gpt2');
  it('ids never seen', () => {
    expect(() => word.decode([99999])).toThrow(/^WordTokenizer\.decode: id 99999 \(ids\[0\]\) is not in the vocabulary \(ids are 0\.\.6\)$/);
    expect(() => word.idToToken(-1)).toThrow(/^WordTokenizer\.idToToken: id -1 is not in the vocabulary/);
    expect(() => word.idToToken(1.5)).toThrow(/^WordTokenizer\.idToToken: id must be an integer, got 1\.5$/);
    expect(() => char.decode([0, 3])).toThrow(/^CharTokenizer\.decode: id 3 \(ids\[1\]\)/);
    expect(() => char.idToToken(NaN)).toThrow(/^CharTokenizer\.idToToken: id must be an integer, got NaN$/);
    expect(() => bpe.decode([99999])).toThrow(/^BPETokenizer\.decode: id 99999/);
    expect(() => bpe.idToToken(50257)).toThrow(/^BPETokenizer\.idToToken: id 50257/);
    expect(() => new text.BPETokenizer('cl100k_base').decode([100256])).toThrow(/^BPETokenizer\.decode: .*100256.*cl100k_base vocabulary/);
    expect(() => bpe.tokenToId('not a token at all')).toThrow(/^BPETokenizer\.tokenToId: token "not a token at all" is not in the gpt2 vocabulary$/);
  });
  it('wrong argument types', () => {
    expect(() => word.encode(5 as never)).toThrow(/^WordTokenizer\.encode: text must be a string, got 5$/);
    expect(() => word.decode('12' as never)).toThrow(/^WordTokenizer\.decode: ids must be an array of integers, got "12"$/);
    expect(() => char.encode(null as never)).toThrow(/^CharTokenizer\.encode: text must be a string, got null$/);
    expect(() => bpe.encode({} as never)).toThrow(/^BPETokenizer\.encode: text must be a string/);
    expect(() => new text.BPETokenizer('gpt5' as never)).toThrow(/^BPETokenizer: unknown encoding "gpt5"/);
    expect(() => bpe.encode('x', { allowedSpecial: ['<|bogus|>'] })).toThrow(/^BPETokenizer\.encode: "<\|bogus\|>" is not a special token of gpt2$/);
    expect(() => text.CharTokenizer.fromText(42 as never)).toThrow(/^CharTokenizer\.fromText: texts must be a string or an iterable of strings, got 42$/);
    expect(() => text.WordTokenizer.buildVocab(['a', 3] as never)).toThrow(/^WordTokenizer\.buildVocab: texts\[1\] must be a string, got 3$/);
  });
  it('bad vocabulary options', () => {
    expect(() => text.WordTokenizer.buildVocab('a', { minFreq: 0 })).toThrow(/^WordTokenizer\.buildVocab: minFreq must be an integer >= 1, got 0$/);
    expect(() => text.WordTokenizer.buildVocab('a', { maxSize: 2 })).toThrow(/^WordTokenizer\.buildVocab: maxSize 2 is smaller than the 4 specials$/);
    expect(() => text.WordTokenizer.buildVocab('a', { specials: ['<pad>'] })).toThrow(/^WordTokenizer\.buildVocab: the unk token "<unk>" must be one of the specials/);
    expect(() => text.WordTokenizer.buildVocab('a', { specials: ['<unk>', '<unk>'] })).toThrow(/^WordTokenizer\.buildVocab: specials\[1\] "<unk>" is a duplicate$/);
    expect(() => text.WordTokenizer.buildVocab('a', { tokenize: () => 'x' as never })).toThrow(/^WordTokenizer\.buildVocab: tokenize must return an array of strings/);
    expect(() => new text.CharTokenizer(['a', 'bc'])).toThrow(/^CharTokenizer: vocab\[1\] "bc" is not a single character$/);
  });
  it('bad JSON and files name the file and the field', () => {
    const good = word.toJSON();
    expect(() => text.WordTokenizer.fromJSON({ ...good, version: 2 })).toThrow(/^WordTokenizer\.fromJSON: unsupported version 2/);
    expect(() => text.WordTokenizer.fromJSON({ ...good, vocab: ['<pad>', '<unk>', '<bos>', '<eos>', 'a', 'a'] })).toThrow(/^WordTokenizer\.fromJSON: vocab\[5\] "a" is a duplicate$/);
    expect(() => text.WordTokenizer.fromJSON({ ...good, vocab: ['a', '<pad>', '<unk>', '<bos>', '<eos>'] })).toThrow(/^WordTokenizer\.fromJSON: vocab must start with the specials in order/);
    expect(() => text.WordTokenizer.fromJSON({ ...good, type: 'char' })).toThrow(/^WordTokenizer\.fromJSON: expected type "word", got "char"$/);
    expect(() => text.tokenizerFromJSON([1])).toThrow(/^tokenizerFromJSON: expected a tokenizer JSON object with type "char", "word" or "bpe", got type undefined$/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"type":"word",');
    expect(() => text.WordTokenizer.load(bad)).toThrow(/^WordTokenizer\.load: bad\.json: not valid JSON/);
    writeFileSync(bad, JSON.stringify({ ...good, vocab: [1, 2] }));
    expect(() => text.WordTokenizer.load(bad)).toThrow(/^WordTokenizer\.load: bad\.json: vocab\[0\] must be a string, got 1$/);
    expect(() => text.loadTokenizer(bad)).toThrow(/^loadTokenizer: bad\.json: WordTokenizer\.fromJSON: vocab\[0\] must be a string/);
    expect(() => text.WordTokenizer.load(join(dir, 'missing.json'))).toThrow(/^WordTokenizer\.load: missing\.json: cannot read .*: no such file$/);
    const sub = join(dir, 'adir');
    mkdirSync(sub);
    expect(() => text.CharTokenizer.load(sub)).toThrow(/^CharTokenizer\.load: adir: cannot read .*is a directory/);
    expect(() => word.save(join(dir, 'no', 'such', 'dir', 'v.json'))).toThrow(/^WordTokenizer\.save: cannot write /);
  });
});
