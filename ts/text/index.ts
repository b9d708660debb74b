// myelin.text: tokenizers (character, word, byte-pair) and offline corpora for the sequence recipes.
import { BPETokenizer } from './bpe';
import { CharTokenizer } from './char';
import { type Tokenizer, readJSON, inFile, show } from './tokenizer';
import { WordTokenizer } from './word';

export type { Tokenizer, TokenizerJSON } from './tokenizer';
export { CharTokenizer } from './char';
export type { CharTokenizerOptions } from './char';
export { WordTokenizer, BASIC_TOKENIZE } from './word';
export type { BuildVocabOptions, WordEncodeOptions, WordDecodeOptions } from './word';
export { BPETokenizer } from './bpe';
export type { BPEEncodingName, BPEEncodeOptions } from './bpe';
export { loadSpamAssassin, loadSotu, loadMobyDick, mobyDickText, loadUsBirths } from './corpora';
export type { SpamMessage, SotuSpeech, MobyDickChapter, BirthsDay } from './corpora';

/**
 * Any tokenizer from its `toJSON()` form, by its `type` field.
 * ```ts
 * const tok = text.tokenizerFromJSON(JSON.parse(fs.readFileSync('tok.json', 'utf8')));
 * ```
 */
export function tokenizerFromJSON(json: unknown, opts: { tokenize?: (s: string) => string[] } = {}): Tokenizer {
  const type = json !== null && typeof json === 'object' ? (json as { type?: unknown }).type : undefined;
  switch (type) {
    case 'char': return CharTokenizer.fromJSON(json);
    case 'word': return WordTokenizer.fromJSON(json, opts);
    case 'bpe': return BPETokenizer.fromJSON(json);
    default: throw new Error(`tokenizerFromJSON: expected a tokenizer JSON object with type "char", "word" or "bpe", got ${json !== null && typeof json === 'object' ? `type ${show(type)}` : show(json)}`);
  }
}

/**
 * Any tokenizer from a JSON file written by its `save` (or `JSON.stringify(tok)`).
 * ```ts
 * const tok = text.loadTokenizer('vocab.json');
 * ```
 */
export function loadTokenizer(file: string, opts: { tokenize?: (s: string) => string[] } = {}): Tokenizer {
  const json = readJSON('loadTokenizer', file);
  return inFile('loadTokenizer', file, () => {
    try { return tokenizerFromJSON(json, opts); } catch (e) { throw new Error(`loadTokenizer: ${(e as Error).message}`); }
  });
}
