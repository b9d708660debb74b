// Word-level tokenizer with a vocabulary builder (min frequency, max size, specials), saved as JSON.
import {
  type Tokenizer, type TokenizerJSON, checkId, checkIds, checkJSON, checkString, checkTokenList, inFile, readJSON, saveJSON, show, textsArg,
} from './tokenizer';

/**
 * The default word splitter: runs of letters and digits (an apostrophe inside a word keeps
 * "don't" whole), and each other non-space character as its own token.
 */
export const BASIC_TOKENIZE = (s: string): string[] =>
  checkString('BASIC_TOKENIZE', 'text', s).match(/[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu) ?? [];

export interface BuildVocabOptions {
  /** Words seen fewer times are left out (default 1). */
  minFreq?: number;
  /** Most tokens in the vocabulary, specials included (default: no limit). */
  maxSize?: number;
  /** Tokens placed first, in this order (default ['<pad>', '<unk>', '<bos>', '<eos>']). */
  specials?: string[];
  /** The unknown token, one of the specials (default '<unk>'). */
  unk?: string;
  /** Lowercase text before splitting (default true). */
  lower?: boolean;
  /** Splits a text into words (default BASIC_TOKENIZE). A custom one is not saved: pass it again to fromJSON/load. */
  tokenize?: (s: string) => string[];
}

export interface WordEncodeOptions { bos?: boolean; eos?: boolean }
export interface WordDecodeOptions { skipSpecials?: boolean }

const DEFAULT_SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'];

function intOpt(who: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${who}: ${name} must be an integer >= ${min}, got ${show(v)}`);
  return v;
}

/**
 * Word-level tokenizer. Build one with `WordTokenizer.buildVocab`: specials first (in the
 * order given), then words by frequency, most frequent first, ties broken by the word
 * (ascending), words rarer than `minFreq` left out, cut at `maxSize` tokens in all.
 * Unknown words encode to `<unk>`; an id outside the vocabulary is a named Error.
 * ```ts
 * const tok = text.WordTokenizer.buildVocab(trainTexts, { minFreq: 2, maxSize: 20000 });
 * tok.encode('Hello world!');        // [id('hello'), id('world'), id('!')]
 * tok.save('vocab.json'); const same = text.WordTokenizer.load('vocab.json');
 * ```
 */
export class WordTokenizer implements Tokenizer {
  readonly unk: string;
  readonly lower: boolean;
  readonly specials: string[];
  private readonly tokens: string[];
  private readonly ids: Map<string, number>;
  private readonly split: (s: string) => string[];
  private readonly customSplit: boolean;

  /** A tokenizer over exactly `vocab` (specials first); `buildVocab` is the usual way to make one. */
  constructor(vocab: string[], opts: { specials?: string[]; unk?: string; lower?: boolean; tokenize?: (s: string) => string[] } = {}) {
    const who = 'WordTokenizer';
    if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
    checkTokenList(who, 'vocab', vocab);
    const specials = checkTokenList(who, 'specials', opts.specials ?? DEFAULT_SPECIALS.filter((s) => vocab.includes(s)));
    const unk = checkString(who, 'unk', opts.unk ?? '<unk>');
    if (!specials.includes(unk)) throw new Error(`${who}: the unk token ${show(unk)} must be one of the specials [${specials.map(show).join(', ')}]`);
    specials.forEach((s, i) => {
      if (vocab[i] !== s) throw new Error(`${who}: vocab must start with the specials in order: vocab[${i}] is ${show(vocab[i])}, expected ${show(s)}`);
    });
    if (opts.lower !== undefined && typeof opts.lower !== 'boolean') throw new Error(`${who}: lower must be a boolean, got ${show(opts.lower)}`);
    if (opts.tokenize !== undefined && typeof opts.tokenize !== 'function') throw new Error(`${who}: tokenize must be a function, got ${show(opts.tokenize)}`);
    this.tokens = [...vocab];
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    this.specials = [...specials];
    this.unk = unk;
    this.lower = opts.lower ?? true;
    this.split = opts.tokenize ?? BASIC_TOKENIZE;
    this.customSplit = opts.tokenize !== undefined;
  }

  /** Counts the words of `texts` and builds the vocabulary (rules in the class comment). */
  static buildVocab(texts: string | Iterable<string>, opts: BuildVocabOptions = {}): WordTokenizer {
    const who = 'WordTokenizer.buildVocab';
    if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
    const minFreq = intOpt(who, 'minFreq', opts.minFreq ?? 1, 1);
    const maxSize = opts.maxSize === undefined ? Infinity : intOpt(who, 'maxSize', opts.maxSize, 1);
    const specials = checkTokenList(who, 'specials', opts.specials ?? DEFAULT_SPECIALS);
    const unk = checkString(who, 'unk', opts.unk ?? '<unk>');
    if (!specials.includes(unk)) throw new Error(`${who}: the unk token ${show(unk)} must be one of the specials [${specials.map(show).join(', ')}]`);
    if (maxSize < specials.length) throw new Error(`${who}: maxSize ${maxSize} is smaller than the ${specials.length} specials`);
    if (opts.lower !== undefined && typeof opts.lower !== 'boolean') throw new Error(`${who}: lower must be a boolean, got ${show(opts.lower)}`);
    if (opts.tokenize !== undefined && typeof opts.tokenize !== 'function') throw new Error(`${who}: tokenize must be a function, got ${show(opts.tokenize)}`);
    const lower = opts.lower ?? true;
    const split = opts.tokenize ?? BASIC_TOKENIZE;
    const counts = new Map<string, number>();
    for (const t of textsArg(who, texts)) {
      const words = split(lower ? t.toLowerCase() : t);
      if (!Array.isArray(words)) throw new Error(`${who}: tokenize must return an array of strings, got ${show(words)}`);
      for (const w of words) {
        if (typeof w !== 'string') throw new Error(`${who}: tokenize returned a non-string token ${show(w)}`);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
    const isSpecial = new Set(specials);
    // frequency descending, then the word ascending (UTF-16 order): the same vocabulary on every run
    const words = [...counts].filter(([w, c]) => c >= minFreq && !isSpecial.has(w))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - specials.length)
      .map(([w]) => w);
    return new WordTokenizer([...specials, ...words], { specials, unk, lower, tokenize: opts.tokenize });
  }

  get vocabSize(): number { return this.tokens.length; }
  /** The vocabulary in id order (a copy). */
  get vocab(): string[] { return [...this.tokens]; }
  /** Id of the unknown token. */
  get unkId(): number { return this.ids.get(this.unk)!; }

  /** The words of `s` (lowercased when `lower`), as `encode` sees them. */
  tokenize(s: string): string[] {
    checkString('WordTokenizer.tokenize', 'text', s);
    return this.split(this.lower ? s.toLowerCase() : s);
  }

  /** Ids of the words of `s`; unknown words are `<unk>`. `{ bos, eos }` add '<bos>'/'<eos>' (which must be specials). */
  encode(s: string, opts: WordEncodeOptions = {}): number[] {
    const who = 'WordTokenizer.encode';
    checkString(who, 'text', s);
    const words = this.split(this.lower ? s.toLowerCase() : s);
    if (!Array.isArray(words)) throw new Error(`${who}: tokenize must return an array of strings, got ${show(words)}`);
    const unk = this.unkId;
    const out = words.map((w) => this.ids.get(w) ?? unk);
    const special = (name: string) => {
      const id = this.ids.get(name);
      if (id === undefined || !this.specials.includes(name)) throw new Error(`${who}: ${name} is not a special token of this vocabulary`);
      return id;
    };
    if (opts?.bos) out.unshift(special('<bos>'));
    if (opts?.eos) out.push(special('<eos>'));
    return out;
  }

  /** The words of `ids` joined by single spaces (`skipSpecials` leaves out '<pad>', '<bos>', ...). */
  decode(ids: ArrayLike<number>, opts: WordDecodeOptions = {}): string {
    const a = checkIds('WordTokenizer.decode', ids, this.tokens.length);
    const out: string[] = [];
    const nSpecial = this.specials.length;
    for (let i = 0; i < a.length; i++) if (!(opts?.skipSpecials && a[i] < nSpecial)) out.push(this.tokens[a[i]]);
    return out.join(' ');
  }

  idToToken(id: number): string { return this.tokens[checkId('WordTokenizer.idToToken', id, this.tokens.length)]; }

  /** The id of `token` as stored (not lowercased); unknown tokens give the `<unk>` id. */
  tokenToId(token: string): number {
    checkString('WordTokenizer.tokenToId', 'token', token);
    return this.ids.get(token) ?? this.unkId;
  }

  toJSON(): TokenizerJSON {
    return { type: 'word', version: 1, vocab: [...this.tokens], specials: [...this.specials], unk: this.unk, lower: this.lower, tokenize: this.customSplit ? 'custom' : 'basic' };
  }

  /**
   * The tokenizer `toJSON()` described. A vocabulary built with a custom `tokenize` needs the
   * same function again (functions are not JSON); asking without it is a named Error.
   */
  static fromJSON(json: unknown, opts: { tokenize?: (s: string) => string[] } = {}): WordTokenizer {
    const who = 'WordTokenizer.fromJSON';
    const o = checkJSON(who, json, 'word');
    if (o.tokenize !== 'basic' && o.tokenize !== 'custom') throw new Error(`${who}: tokenize must be "basic" or "custom", got ${show(o.tokenize)}`);
    if (o.tokenize === 'custom' && typeof opts?.tokenize !== 'function')
      throw new Error(`${who}: this vocabulary was built with a custom tokenize function: pass it as { tokenize }`);
    if (typeof o.lower !== 'boolean') throw new Error(`${who}: lower must be a boolean, got ${show(o.lower)}`);
    try {
      return new WordTokenizer(o.vocab as string[], { specials: o.specials as string[], unk: o.unk as string, lower: o.lower, tokenize: opts?.tokenize });
    } catch (e) {
      throw new Error(`${who}: ${(e as Error).message.replace(/^WordTokenizer: /, '')}`);
    }
  }

  /** Writes the JSON form to `file` atomically (write-file-atomic: a crash leaves the old file whole). */
  save(file: string): void { saveJSON('WordTokenizer.save', file, this.toJSON()); }
  /** Reads a file `save` wrote; a bad file is a named Error naming it. */
  static load(file: string, opts: { tokenize?: (s: string) => string[] } = {}): WordTokenizer {
    const json = readJSON('WordTokenizer.load', file);
    return inFile('WordTokenizer.load', file, () => {
      try { return WordTokenizer.fromJSON(json, opts); } catch (e) { throw new Error((e as Error).message.replace(/^WordTokenizer\.fromJSON: /, 'WordTokenizer.load: ')); }
    });
  }
}
