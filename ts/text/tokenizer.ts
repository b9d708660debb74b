// The interface every myelin tokenizer shares, and the argument checks and JSON file I/O they use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * A tokenizer maps text to integer ids in [0, vocabSize) and back. Every id it is asked
 * about must be one it knows: an unknown id is a named Error, never `undefined`.
 * ```ts
 * const tok = text.CharTokenizer.fromText('hello');
 * tok.decode(tok.encode('hole')); // 'hole'
 * ```
 */
export interface Tokenizer {
  /** Number of ids: every id is in [0, vocabSize). */
  readonly vocabSize: number;
  encode(s: string): number[];
  decode(ids: ArrayLike<number>): string;
  /** The token an id stands for (a named Error for an id outside the vocabulary). */
  idToToken(id: number): string;
  /** The id of a token (the unknown token's id, or a named Error, when it is not in the vocabulary). */
  tokenToId(token: string): number;
  /** A plain JSON object that the class's static `fromJSON` turns back into an equal tokenizer. */
  toJSON(): TokenizerJSON;
}

/** The JSON form of a tokenizer: `type` says which class reads it. */
export interface TokenizerJSON { type: 'char' | 'word' | 'bpe'; version: 1; [k: string]: unknown }

/** How a value is shown in an error message: short, and never throwing itself. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

export function checkString(who: string, what: string, v: unknown): string {
  if (typeof v !== 'string') throw new Error(`${who}: ${what} must be a string, got ${show(v)}`);
  return v;
}

/** A list of ids (an array or typed array of integers), checked to be in [0, n) before any is used. */
export function checkIds(who: string, ids: unknown, n: number): ArrayLike<number> {
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView) && !(ids instanceof BigInt64Array) && !(ids instanceof BigUint64Array)))
    throw new Error(`${who}: ids must be an array of integers, got ${show(ids)}`);
  const a = ids as ArrayLike<number>;
  for (let i = 0; i < a.length; i++) {
    const id = a[i];
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`${who}: ids[${i}] must be an integer, got ${show(id)}`);
    if (id < 0 || id >= n) throw new Error(`${who}: id ${id} (ids[${i}]) is not in the vocabulary (ids are 0..${n - 1})`);
  }
  return a;
}

export function checkId(who: string, id: unknown, n: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`${who}: id must be an integer, got ${show(id)}`);
  if (id < 0 || id >= n) throw new Error(`${who}: id ${id} is not in the vocabulary (ids are 0..${n - 1})`);
  return id;
}

/** The list of texts a vocabulary is built from: one string or an iterable of strings. */
export function textsArg(who: string, texts: unknown): Iterable<string> {
  if (typeof texts === 'string') return [texts];
  if (texts === null || typeof texts !== 'object' || typeof (texts as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new Error(`${who}: texts must be a string or an iterable of strings, got ${show(texts)}`);
  return (function* () {
    let i = 0;
    for (const t of texts as Iterable<unknown>) {
      if (typeof t !== 'string') throw new Error(`${who}: texts[${i}] must be a string, got ${show(t)}`);
      yield t;
      i++;
    }
  })();
}

/** Checks the common header of a tokenizer's JSON form. */
export function checkJSON(who: string, json: unknown, type: TokenizerJSON['type']): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${who}: expected a tokenizer JSON object, got ${show(json)}`);
  const o = json as Record<string, unknown>;
  if (o.type !== type) throw new Error(`${who}: expected type ${JSON.stringify(type)}, got ${show(o.type)}`);
  if (o.version !== 1) throw new Error(`${who}: unsupported version ${show(o.version)} (this myelin reads version 1)`);
  return o;
}

/** A list of distinct strings (a vocabulary or a specials list) read from JSON or options. */
export function checkTokenList(who: string, what: string, v: unknown, allowEmpty = true): string[] {
  if (!Array.isArray(v)) throw new Error(`${who}: ${what} must be an array of strings, got ${show(v)}`);
  if (!allowEmpty && v.length === 0) throw new Error(`${who}: ${what} must not be empty`);
  const seen = new Set<string>();
  v.forEach((t, i) => {
    if (typeof t !== 'string') throw new Error(`${who}: ${what}[${i}] must be a string, got ${show(t)}`);
    if (seen.has(t)) throw new Error(`${who}: ${what}[${i}] ${show(t)} is a duplicate`);
    seen.add(t);
  });
  return v as string[];
}

/** Writes a tokenizer's JSON atomically (a crash mid-write leaves the old file, never half a file). */
export function saveJSON(who: string, file: unknown, json: TokenizerJSON): void {
  checkString(who, 'path', file);
  try {
    writeFileAtomic.sync(file as string, `${JSON.stringify(json)}\n`);
  } catch (e) {
    throw new Error(`${who}: cannot write ${file as string}: ${(e as Error).message}`);
  }
}

/** Reads and parses a tokenizer JSON file; every failure names the file. */
export function readJSON(who: string, file: unknown): unknown {
  checkString(who, 'path', file);
  const name = path.basename(file as string);
  let s: string;
  try {
    const st = fs.statSync(file as string);
    // a device or FIFO (/dev/zero) would be read for ever: only regular files
    if (st.isDirectory()) throw new Error('is a directory');
    if (!st.isFile()) throw new Error('not a regular file');
    s = fs.readFileSync(file as string, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${who}: ${name}: cannot read ${file as string}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new Error(`${who}: ${name}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Prefixes a JSON check's message with the file name, so load errors say which file was bad. */
export function inFile<T>(who: string, file: string, f: () => T): T {
  try { return f(); } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(`${who}: `) ? `${who}: ${path.basename(file)}: ${msg.slice(who.length + 2)}` : msg);
  }
}
