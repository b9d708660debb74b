// Byte-pair encoding (GPT-2 and OpenAI's tiktoken vocabularies), wrapping the gpt-tokenizer package.
//
// Why gpt-tokenizer (4.0.0): pure JavaScript (no wasm, no native build), its rank tables ship
// inside the package (nothing is downloaded at run time: it works offline), one module per
// encoding so only the vocabulary asked for is loaded (~170 ms for GPT-2), MIT, widely used and
// kept current. It throws on an id it does not know, where js-tiktoken's decode returns ''
// silently; js-tiktoken (a separate implementation) stays a devDependency to cross-check ids.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Tokenizer, type TokenizerJSON, checkId, checkIds, checkJSON, checkString, inFile, readJSON, saveJSON, show } from './tokenizer';

/** The vocabularies on offer: GPT-2's ('gpt2' = 'r50k_base'), GPT-3's, GPT-3.5/4's, GPT-4o's. */
export type BPEEncodingName = 'gpt2' | 'r50k_base' | 'p50k_base' | 'p50k_edit' | 'cl100k_base' | 'o200k_base';
const RANK_FILES: Record<BPEEncodingName, string> = {
  gpt2: 'r50k_base', r50k_base: 'r50k_base', p50k_base: 'p50k_base', p50k_edit: 'p50k_base', cl100k_base: 'cl100k_base', o200k_base: 'o200k_base',
};

export interface BPEEncodeOptions {
  /**
   * Special tokens written in the text (e.g. '<|endoftext|>') become their special ids when
   * listed here ('all': every one). By default they are encoded as ordinary text, as tiktoken's
   * `encode_ordinary`: a corpus cannot smuggle control tokens into training data.
   */
  allowedSpecial?: 'all' | string[];
}

/** The slice of gpt-tokenizer's per-encoding module this wrapper uses. */
interface GptEncodingModule {
  encode(s: string, o?: { allowedSpecial?: Set<string> | 'all'; disallowedSpecial?: Set<string> | 'all' }): number[];
  decode(ids: Iterable<number>): string;
  vocabularySize: number;
  default: { specialTokensEncoder: Map<string, number> };
}

/**
 * GPT-2's byte-to-character table (bytes_to_unicode in GPT-2's encoder.py): printable bytes
 * stand for themselves, the rest are shifted to U+0100 and up, so every token of the published
 * vocabulary (encoder.json) is a printable string: ' world' is 'Ġworld', '\n' is 'Ċ'.
 */
function byteChars(): string[] {
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep(b) ? b : 256 + n++);
  return out;
}

/**
 * A byte-pair-encoding tokenizer over one of OpenAI's published vocabularies (ranks bundled by
 * the gpt-tokenizer package, read offline). `decode(encode(s)) === s` for every well-formed string
 * (a lone surrogate comes back as U+FFFD). NOTE: the library's merge loop is quadratic in the length
 * of one pre-token: 10,000 letters with no space take 0.25 s, 100,000 take 25 s.
 * `idToToken` spells tokens as GPT-2's encoder.json does ('Ġworld' for ' world').
 * ```ts
 * const bpe = new text.BPETokenizer('gpt2');
 * bpe.encode('hello world'); // [31373, 995]
 * bpe.decode([31373, 995]);  // 'hello world'
 * ```
 */
export class BPETokenizer implements Tokenizer {
  readonly encoding: BPEEncodingName;
  readonly vocabSize: number;
  private readonly lib: GptEncodingModule;
  private readonly specials: Map<string, number>;
  private spellings: string[] | null = null;
  private spellingIds: Map<string, number> | null = null;

  constructor(encoding: BPEEncodingName = 'gpt2') {
    if (typeof encoding !== 'string' || !Object.prototype.hasOwnProperty.call(RANK_FILES, encoding))
      throw new Error(`BPETokenizer: unknown encoding ${show(encoding)} (one of ${Object.keys(RANK_FILES).join(', ')})`);
    this.encoding = encoding;
    // loaded on first use, not at `import 'myelin'`: a rank table is 50k-200k entries
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.lib = require(`gpt-tokenizer/encoding/${encoding}`) as GptEncodingModule;
    this.specials = new Map(this.lib.default.specialTokensEncoder);
    // the largest id + 1 (cl100k's specials sit past a gap, so the library's count is smaller)
    this.vocabSize = Math.max(this.lib.vocabularySize, ...[...this.specials.values()].map((v) => v + 1));
  }

  encode(s: string, opts: BPEEncodeOptions = {}): number[] {
    const who = 'BPETokenizer.encode';
    checkString(who, 'text', s);
    const allowed = opts?.allowedSpecial;
    const ordinary = (t: string) => this.lib.encode(t, { disallowedSpecial: new Set() });
    if (allowed === undefined) return ordinary(s);
    if (allowed !== 'all' && !Array.isArray(allowed)) throw new Error(`${who}: allowedSpecial must be 'all' or an array of special tokens, got ${show(allowed)}`);
    const list = allowed === 'all' ? [...this.specials.keys()] : allowed;
    for (const t of list) if (typeof t !== 'string' || !this.specials.has(t)) throw new Error(`${who}: ${show(t)} is not a special token of ${this.encoding}`);
    if (list.length === 0) return ordinary(s);
    // NOTE: the split is done here, not by the library: gpt-tokenizer 4.0.0 finds an allowed special
    // token only at the start of the text ('a<|endoftext|>' came back as plain text, test/text_tokenizers).
    // As tiktoken: the specials cut the text, the pieces between them are encoded as ordinary text.
    const re = new RegExp(list.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    const out: number[] = [];
    const add = (t: string) => { for (const id of ordinary(t)) out.push(id); }; // no spread: pieces can be long
    let at = 0;
    for (const m of s.matchAll(re)) {
      if (m.index! > at) add(s.slice(at, m.index));
      out.push(this.specials.get(m[0])!);
      at = m.index! + m[0].length;
    }
    if (at < s.length) add(s.slice(at));
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const a = checkIds('BPETokenizer.decode', ids, this.vocabSize);
    try {
      return this.lib.decode(Array.from(a));
    } catch (e) {
      // ids inside [0, vocabSize) that are no token: the gap before cl100k's specials
      throw new Error(`BPETokenizer.decode: ${(e as Error).message.replace(/byte pair encoder/, `${this.encoding} vocabulary`)}`);
    }
  }

  /** The token's spelling in GPT-2's encoder.json form (bytes as printable characters); specials as written. */
  idToToken(id: number): string {
    checkId('BPETokenizer.idToToken', id, this.vocabSize);
    const sp = this.table()[id];
    if (sp === undefined) throw new Error(`BPETokenizer.idToToken: id ${id} is not a token of ${this.encoding}`);
    return sp;
  }

  /** The id of a token spelled as `idToToken` spells it; a spelling not in the vocabulary is a named Error (BPE has no unknown token). */
  tokenToId(token: string): number {
    checkString('BPETokenizer.tokenToId', 'token', token);
    this.table();
    const id = this.spellingIds!.get(token);
    if (id === undefined) throw new Error(`BPETokenizer.tokenToId: token ${show(token)} is not in the ${this.encoding} vocabulary`);
    return id;
  }

  toJSON(): TokenizerJSON { return { type: 'bpe', version: 1, encoding: this.encoding }; }

  static fromJSON(json: unknown): BPETokenizer {
    const o = checkJSON('BPETokenizer.fromJSON', json, 'bpe');
    if (typeof o.encoding !== 'string' || !Object.prototype.hasOwnProperty.call(RANK_FILES, o.encoding))
      throw new Error(`BPETokenizer.fromJSON: unknown encoding ${show(o.encoding)}`);
    return new BPETokenizer(o.encoding as BPEEncodingName);
  }

  /** Writes the JSON form (the encoding's name: the ranks come from the package) to `file` atomically. */
  save(file: string): void { saveJSON('BPETokenizer.save', file, this.toJSON()); }
  static load(file: string): BPETokenizer {
    const json = readJSON('BPETokenizer.load', file);
    return inFile('BPETokenizer.load', file, () => {
      try { return BPETokenizer.fromJSON(json); } catch (e) { throw new Error((e as Error).message.replace(/^BPETokenizer\.fromJSON: /, 'BPETokenizer.load: ')); }
    });
  }

  /** id -> spelling, read once from the package's tiktoken rank file (base64 bytes and rank per line). */
  private table(): string[] {
    if (this.spellings) return this.spellings;
    const file = path.join(path.dirname(require.resolve('gpt-tokenizer/package.json')), 'data', `${RANK_FILES[this.encoding]}.tiktoken`);
    const chars = byteChars();
    const out: string[] = [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const [b64, rank] = lines[i].split(' ');
      const r = Number(rank);
      if (!b64 || !Number.isInteger(r) || r < 0) throw new Error(`BPETokenizer: ${path.basename(file)}: line ${i + 1} is not '<base64> <rank>'`);
      let sp = '';
      for (const b of Buffer.from(b64, 'base64')) sp += chars[b];
      out[r] = sp;
    }
    for (const [t, id] of this.specials) out[id] = t;
    this.spellingIds = new Map();
    out.forEach((sp, id) => { if (sp !== undefined) this.spellingIds!.set(sp, id); });
    this.spellings = out;
    return out;
  }
}
