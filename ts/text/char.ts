// Character-level tokenizer: one id per Unicode code point seen in a corpus (char-LM recipes).
import {
  type Tokenizer, type TokenizerJSON, checkId, checkIds, checkJSON, checkString, checkTokenList, inFile, readJSON, saveJSON, show, textsArg,
} from './tokenizer';

export interface CharTokenizerOptions {
  /**
   * What `encode` does with a character the vocabulary lacks: a token string (e.g. '<unk>',
   * given its own id, first) maps it there; null (the default) throws a named Error.
   */
  unk?: string | null;
}

/** Code points, not UTF-16 units: an emoji is one character, never two lone surrogates. */
const chars = (s: string): string[] => Array.from(s);
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Character-level tokenizer. The vocabulary is the corpus's distinct code points in code-point
 * order (Python's `sorted(set(text))`), after the unknown token when there is one.
 * ```ts
 * const tok = text.CharTokenizer.fromText(corpus);                 // unknown characters throw
 * const lenient = text.CharTokenizer.fromText(corpus, { unk: '<unk>' }); // ...or map to id 0
 * lenient.decode(lenient.encode('hi'));
 * ```
 */
export class CharTokenizer implements Tokenizer {
  readonly unk: string | null;
  private readonly tokens: string[];
  private readonly ids: Map<string, number>;

  /** A tokenizer over exactly `vocab` (distinct single code points, plus the `unk` token if given), in that order. */
  constructor(vocab: string[], opts: CharTokenizerOptions = {}) {
    const who = 'CharTokenizer';
    if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
    const unk = opts.unk ?? null;
    if (unk !== null) checkString(who, 'unk', unk);
    checkTokenList(who, 'vocab', vocab);
    vocab.forEach((c, i) => {
      if (c !== unk && chars(c).length !== 1) throw new Error(`${who}: vocab[${i}] ${show(c)} is not a single character`);
    });
    if (unk !== null && !vocab.includes(unk)) throw new Error(`${who}: the unk token ${show(unk)} is not in the vocabulary`);
    this.unk = unk;
    this.tokens = [...vocab];
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
  }

  /** Builds the vocabulary from a corpus (a string or strings): sorted distinct code points. */
  static fromText(texts: string | Iterable<string>, opts: CharTokenizerOptions = {}): CharTokenizer {
    const seen = new Set<string>();
    for (const t of textsArg('CharTokenizer.fromText', texts)) for (const c of t) seen.add(c);
    const sorted = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const unk = opts?.unk ?? null;
    return new CharTokenizer(unk === null ? sorted : [unk, ...sorted.filter((c) => c !== unk)], opts);
  }

  get vocabSize(): number { return this.tokens.length; }
  /** The vocabulary in id order (a copy). */
  get vocab(): string[] { return [...this.tokens]; }

  encode(s: string): number[] {
    checkString('CharTokenizer.encode', 'text', s);
    const out: number[] = [];
    let pos = 0;
    for (const c of s) {
      let id = this.ids.get(c);
      if (id === undefined) {
        if (this.unk === null)
          throw new Error(`CharTokenizer.encode: character ${JSON.stringify(c)} (${codePoint(c)}) at index ${pos} is not in the vocabulary`);
        id = this.ids.get(this.unk)!;
      }
      out.push(id);
      pos += c.length;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const a = checkIds('CharTokenizer.decode', ids, this.tokens.length);
    let s = '';
    for (let i = 0; i < a.length; i++) s += this.tokens[a[i]];
    return s;
  }

  idToToken(id: number): string { return this.tokens[checkId('CharTokenizer.idToToken', id, this.tokens.length)]; }

  tokenToId(token: string): number {
    checkString('CharTokenizer.tokenToId', 'token', token);
    const id = this.ids.get(token);
    if (id !== undefined) return id;
    if (this.unk !== null) return this.ids.get(this.unk)!;
    throw new Error(`CharTokenizer.tokenToId: token ${show(token)} is not in the vocabulary`);
  }

  toJSON(): TokenizerJSON { return { type: 'char', version: 1, vocab: [...this.tokens], unk: this.unk }; }

  /** The tokenizer `toJSON()` described; every malformed field is a named Error. */
  static fromJSON(json: unknown): CharTokenizer {
    const o = checkJSON('CharTokenizer.fromJSON', json, 'char');
    if (o.unk !== null && typeof o.unk !== 'string') throw new Error(`CharTokenizer.fromJSON: unk must be a string or null, got ${show(o.unk)}`);
    try {
      return new CharTokenizer(o.vocab as string[], { unk: o.unk as string | null });
    } catch (e) {
      throw new Error(`CharTokenizer.fromJSON: ${(e as Error).message.replace(/^CharTokenizer: /, '')}`);
    }
  }

  /** Writes the JSON form to `file` atomically. */
  save(file: string): void { saveJSON('CharTokenizer.save', file, this.toJSON()); }
  /** Reads a file `save` wrote. */
  static load(file: string): CharTokenizer {
    const json = readJSON('CharTokenizer.load', file);
    return inFile('CharTokenizer.load', file, () => {
      try { return CharTokenizer.fromJSON(json); } catch (e) { throw new Error((e as Error).message.replace(/^CharTokenizer\.fromJSON: /, 'CharTokenizer.load: ')); }
    });
  }
}
