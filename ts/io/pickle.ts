// A restricted pickle reader (protocols 0-5) for torch.save files: it rebuilds plain
// containers and scalars itself, and calls nothing but the globals its caller allows
// (torch.ts: tensor rebuilders, storage classes). Anything else is refused by name.
//
// NOTE: this is a stack machine, not Python's Unpickler: a global is never imported or
// called, INST/OBJ/NEWOBJ/EXT are refused outright, and BUILD is accepted only on objects an
// allowed callable marked as buildable. Every length, memo index and stack access is checked.

/** A global the file named (`torch._utils._rebuild_tensor_v2`), after the allow-list accepted it. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string, readonly rule: GlobalRule) {}
  get qualname(): string { return `${this.module}.${this.name}`; }
}

/** What an allowed global may do: be called by REDUCE (with the tuple's items), or stand for a value. */
export interface GlobalRule {
  /** REDUCE: the result of calling it. Must validate its arguments and throw via `fail`. */
  call?: (args: unknown[], fail: (msg: string) => never, ctx: PickleContext) => unknown;
  /** GLOBAL pushes this value instead of the global itself (torch.float32 -> 'float32'). */
  value?: unknown;
}

/** What a callable needs from the reader: dicts that SETITEM(S) and BUILD accept, and type tests. */
export interface PickleContext {
  /** A new Python dict (a plain object); `buildable` lets BUILD update it (OrderedDict state). */
  dict(buildable?: boolean): Record<string, unknown>;
  setItem(d: Record<string, unknown>, key: unknown, value: unknown): void;
  isDict(v: unknown): v is Record<string, unknown>;
  isTuple(v: unknown): v is readonly unknown[];
}

export interface UnpickleOptions {
  /** Allowed globals by 'module.name'. A name not here is refused. */
  globals: ReadonlyMap<string, GlobalRule>;
  /** BINPERSID / PERSID: turns a persistent id (torch: a storage tuple) into a value. */
  persistentLoad: (pid: unknown, fail: (msg: string) => never) => unknown;
  /** Throws the caller's named error (`loadTorch: model.pt: ...`). */
  fail: (msg: string) => never;
  /** Objects that BUILD may update (torch: OrderedDict state dicts carrying `_metadata`). */
  buildable?: WeakSet<object>;
  /** The longest LONG4 integer accepted, in bytes (a huge one costs quadratic time). */
  maxLongBytes?: number;
}

const MARK = Symbol('MARK');
type Item = unknown;

/** Objects that are Python dicts (plain objects) and tuples (frozen arrays), as made here. */
interface Kinds { dicts: WeakSet<object>; tuples: WeakSet<object> }

/**
 * Runs the pickle in `bytes` and returns the value it builds. Throws (through opts.fail)
 * on any opcode, global or structure outside the allowed set, or on malformed input.
 * ```ts
 * const v = unpickle(bytes, { globals: new Map(), persistentLoad: (_, f) => f('no storages'), fail: (m) => { throw new Error(m); } });
 * ```
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  const fail: (msg: string) => never = opts.fail;
  const kinds: Kinds = { dicts: new WeakSet(), tuples: new WeakSet() };
  const buildable = opts.buildable ?? new WeakSet<object>();
  const maxLong = opts.maxLongBytes ?? 4096;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let pos = 0;
  const stack: Item[] = [];
  const marks: number[] = [];  // stack heights at each MARK (Python 3.8+ keeps them apart, too)
  const memo = new Map<number, Item>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  const need = (k: number, what: string) => {
    if (k < 0 || pos + k > n) fail(`pickle truncated: ${what} needs ${k} bytes at offset ${pos}, ${n - pos} left`);
  };
  const u8 = () => { need(1, 'a 1-byte argument'); return bytes[pos++]; };
  const u16 = () => { need(2, 'a 2-byte argument'); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4, 'a 4-byte argument'); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4, 'a 4-byte argument'); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = (what: string) => {
    need(8, what);
    const v = dv.getBigUint64(pos, true); pos += 8;
    if (v > BigInt(n)) fail(`pickle: ${what} of ${v} bytes runs past the end (${n - pos} left)`);
    return Number(v);
  };
  const take = (k: number, what: string) => { need(k, what); const s = bytes.subarray(pos, pos + k); pos += k; return s; };
  const line = (what: string) => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`pickle truncated: ${what} has no newline after offset ${pos}`);
    const s = latin1(bytes.subarray(pos, end)); pos = end + 1;
    return s;
  };
  const str = (b: Uint8Array) => { try { return utf8.decode(b); } catch { return fail(`pickle: invalid UTF-8 in a string at offset ${pos - b.length}`); } };

  const pop = (what: string): Item => {
    const floor = marks.length ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail(`pickle stack underflow at ${what} (offset ${pos - 1})`);
    return stack.pop();
  };
  const top = (what: string): Item => {
    const floor = marks.length ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail(`pickle stack underflow at ${what} (offset ${pos - 1})`);
    return stack[stack.length - 1];
  };
  const popMark = (what: string): Item[] => {
    const m = marks.pop();
    if (m === undefined) fail(`pickle: ${what} without a MARK (offset ${pos - 1})`);
    return stack.splice(m);
  };
  const tuple = (items: Item[]) => { kinds.tuples.add(items); return Object.freeze(items); };
  const dict = (): Record<string, unknown> => { const d: Record<string, unknown> = {}; kinds.dicts.add(d); return d; };
  const setItem = (d: Item, k: Item, v: Item, what: string) => {
    if (typeof d !== 'object' || d === null || !kinds.dicts.has(d)) fail(`pickle: ${what} on ${typeName(d)}, not a dict`);
    // defineProperty: a key '__proto__' must be an own key, not the object's prototype
    Object.defineProperty(d, dictKey(k, fail), { value: v, enumerable: true, writable: true, configurable: true });
  };
  const appendTo = (l: Item, items: Item[], what: string) => {
    if (!Array.isArray(l) || kinds.tuples.has(l)) fail(`pickle: ${what} on ${typeName(l)}, not a list`);
    for (const it of items) l.push(it);
  };
  const addTo = (s: Item, items: Item[]) => {
    if (!(s instanceof Set) || Object.isFrozen(s)) fail(`pickle: ADDITEMS on ${typeName(s)}, not a set`);
    for (const it of items) s.add(it);
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`pickle: memo index ${i} was never stored (offset ${pos})`);
    return memo.get(i);
  };
  const memoPut = (i: number) => {
    if (!Number.isSafeInteger(i) || i < 0) fail(`pickle: bad memo index ${i}`);
    memo.set(i, top('PUT'));
  };
  const global = (module: string, name: string): unknown => {
    const q = `${module}.${name}`;
    const rule = opts.globals.get(q);
    if (!rule) fail(`pickle global '${q}' is not allowed (only tensors, storages and plain containers are rebuilt; nothing from the file is run)`);
    return 'value' in rule ? rule.value : new PickleGlobal(module, name, rule);
  };
  const ctx: PickleContext = {
    dict: (b = false) => { const d = dict(); if (b) buildable.add(d); return d; },
    setItem: (d, k, v) => setItem(d, k, v, 'a dict update'),
    isDict: (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && kinds.dicts.has(v),
    isTuple: (v): v is readonly unknown[] => Array.isArray(v) && kinds.tuples.has(v),
  };

  for (;;) {
    if (pos >= n) fail(`pickle truncated: no STOP opcode before the end (${n} bytes)`);
    const op = bytes[pos++];
    switch (op) {
      case 0x80: { const p = u8(); if (p > 5) fail(`pickle protocol ${p} is not supported (0-5)`); break; }  // PROTO
      case 0x95: u64('FRAME'); break;  // FRAME: a length hint only
      case 0x2e: {  // STOP
        if (marks.length) fail(`pickle: STOP with ${marks.length} unclosed MARK(s)`);
        if (stack.length !== 1) fail(`pickle: STOP with ${stack.length} items on the stack (expected 1)`);
        return stack[0];
      }
      case 0x28: marks.push(stack.length); break;  // MARK
      case 0x30: pop('POP'); break;
      case 0x31: popMark('POP_MARK'); break;
      case 0x32: stack.push(top('DUP')); break;
      // ---- scalars
      case 0x4e: stack.push(null); break;                 // NONE
      case 0x88: stack.push(true); break;                 // NEWTRUE
      case 0x89: stack.push(false); break;                // NEWFALSE
      case 0x4b: stack.push(u8()); break;                 // BININT1
      case 0x4d: stack.push(u16()); break;                // BININT2
      case 0x4a: stack.push(i32()); break;                // BININT
      case 0x8a: stack.push(longBytes(take(u8(), 'LONG1'))); break;
      case 0x8b: {                                         // LONG4
        const k = i32();
        if (k < 0 || k > maxLong) fail(`pickle: LONG4 of ${k} bytes (at most ${maxLong})`);
        stack.push(longBytes(take(k, 'LONG4')));
        break;
      }
      case 0x49: {                                         // INT (text; protocol 0 spells bools 00/01)
        const s = line('INT');
        if (s === '00' || s === '01') { stack.push(s === '01'); break; }
        stack.push(textInt(s, 'INT', fail));
        break;
      }
      case 0x4c: stack.push(textInt(line('LONG').replace(/L$/, ''), 'LONG', fail)); break;
      case 0x46: {                                         // FLOAT (text)
        const s = line('FLOAT').trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(s))) fail(`pickle: bad FLOAT '${s.slice(0, 40)}'`);
        stack.push(v);
        break;
      }
      case 0x47: { need(8, 'BINFLOAT'); stack.push(dv.getFloat64(pos, false)); pos += 8; break; }  // big-endian
      // ---- strings and bytes
      case 0x58: stack.push(str(take(u32(), 'BINUNICODE'))); break;
      case 0x8c: stack.push(str(take(u8(), 'SHORT_BINUNICODE'))); break;
      case 0x8d: stack.push(str(take(u64('BINUNICODE8'), 'BINUNICODE8'))); break;
      case 0x56: stack.push(rawUnicodeEscape(line('UNICODE'), fail)); break;
      // Python 2 str: bytes with no encoding; torch files hold ASCII here (latin1 keeps every byte)
      case 0x54: { const k = i32(); if (k < 0) fail(`pickle: BINSTRING of negative length ${k}`); stack.push(latin1(take(k, 'BINSTRING'))); break; }
      case 0x55: stack.push(latin1(take(u8(), 'SHORT_BINSTRING'))); break;
      case 0x53: stack.push(quotedString(line('STRING'), fail)); break;
      case 0x42: stack.push(take(u32(), 'BINBYTES').slice()); break;
      case 0x43: stack.push(take(u8(), 'SHORT_BINBYTES').slice()); break;
      case 0x8e: stack.push(take(u64('BINBYTES8'), 'BINBYTES8').slice()); break;
      case 0x96: stack.push(take(u64('BYTEARRAY8'), 'BYTEARRAY8').slice()); break;
      // ---- containers
      case 0x5d: stack.push([]); break;                   // EMPTY_LIST
      case 0x29: stack.push(tuple([])); break;            // EMPTY_TUPLE
      case 0x7d: stack.push(dict()); break;               // EMPTY_DICT
      case 0x8f: stack.push(new Set()); break;            // EMPTY_SET
      case 0x6c: stack.push(popMark('LIST')); break;
      case 0x74: stack.push(tuple(popMark('TUPLE'))); break;
      case 0x85: { const a = pop('TUPLE1'); stack.push(tuple([a])); break; }
      case 0x86: { const b = pop('TUPLE2'), a = pop('TUPLE2'); stack.push(tuple([a, b])); break; }
      case 0x87: { const c = pop('TUPLE3'), b = pop('TUPLE3'), a = pop('TUPLE3'); stack.push(tuple([a, b, c])); break; }
      case 0x91: stack.push(Object.freeze(new Set(popMark('FROZENSET')))); break;
      case 0x64: {                                         // DICT
        const items = popMark('DICT');
        if (items.length % 2) fail(`pickle: DICT with an odd number of items (${items.length})`);
        const d = dict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], 'DICT');
        stack.push(d);
        break;
      }
      case 0x61: { const v = pop('APPEND'); appendTo(top('APPEND'), [v], 'APPEND'); break; }
      case 0x65: { const items = popMark('APPENDS'); appendTo(top('APPENDS'), items, 'APPENDS'); break; }
      case 0x73: { const v = pop('SETITEM'), k = pop('SETITEM'); setItem(top('SETITEM'), k, v, 'SETITEM'); break; }
      case 0x75: {                                         // SETITEMS
        const items = popMark('SETITEMS');
        if (items.length % 2) fail(`pickle: SETITEMS with an odd number of items (${items.length})`);
        const d = top('SETITEMS');
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], 'SETITEMS');
        break;
      }
      case 0x90: { const items = popMark('ADDITEMS'); addTo(top('ADDITEMS'), items); break; }
      // ---- memo
      case 0x70: memoPut(textInt(line('PUT'), 'PUT', fail) as number); break;
      case 0x71: memoPut(u8()); break;                    // BINPUT
      case 0x72: memoPut(u32()); break;                   // LONG_BINPUT
      case 0x94: memoPut(memo.size); break;               // MEMOIZE
      case 0x67: stack.push(memoGet(textInt(line('GET'), 'GET', fail) as number)); break;
      case 0x68: stack.push(memoGet(u8())); break;        // BINGET
      case 0x6a: stack.push(memoGet(u32())); break;       // LONG_BINGET
      // ---- globals and calls: only what the allow-list names
      case 0x63: { const m = line('GLOBAL'), name = line('GLOBAL'); stack.push(global(m, name)); break; }
      case 0x93: {                                         // STACK_GLOBAL
        const name = pop('STACK_GLOBAL'), m = pop('STACK_GLOBAL');
        if (typeof m !== 'string' || typeof name !== 'string') fail(`pickle: STACK_GLOBAL needs two strings, got ${typeName(m)} and ${typeName(name)}`);
        stack.push(global(m, name));
        break;
      }
      case 0x52: {                                         // REDUCE
        const args = pop('REDUCE'), f = pop('REDUCE');
        if (!(f instanceof PickleGlobal)) fail(`pickle: REDUCE calls ${typeName(f)}, which is not an allowed global`);
        if (!f.rule.call) fail(`pickle global '${f.qualname}' is not allowed as a callable (REDUCE)`);
        if (!Array.isArray(args) || !kinds.tuples.has(args)) fail(`pickle: REDUCE of '${f.qualname}' with ${typeName(args)} arguments, not a tuple`);
        stack.push(f.rule.call([...args], (msg) => fail(`pickle: ${f.qualname}: ${msg}`), ctx));
        break;
      }
      case 0x62: {                                         // BUILD
        const state = pop('BUILD'), obj = top('BUILD');
        if (obj instanceof PickleGlobal) fail(`pickle global '${obj.qualname}' is not allowed as a BUILD target`);
        if (typeof obj !== 'object' || obj === null || !buildable.has(obj)) fail(`pickle: BUILD on ${typeName(obj)} is not allowed`);
        // torch's OrderedDict state: {'_metadata': ...} (module versions); it carries no tensors
        if (state !== null && (typeof state !== 'object' || !kinds.dicts.has(state))) fail(`pickle: BUILD with ${typeName(state)} state`);
        break;
      }
      case 0x51: { const pid = pop('BINPERSID'); stack.push(opts.persistentLoad(pid, fail)); break; }
      case 0x50: stack.push(opts.persistentLoad(line('PERSID'), fail)); break;
      case 0x69: {                                         // INST: module and class from the stream
        const m = line('INST'), name = line('INST');
        fail(`pickle global '${m}.${name}' is not allowed (INST builds arbitrary objects)`);
        break;
      }
      case 0x6f: {                                         // OBJ: the class is on the stack
        const items = popMark('OBJ');
        const cls = items[0];
        fail(`pickle global '${cls instanceof PickleGlobal ? cls.qualname : typeName(cls)}' is not allowed (OBJ builds arbitrary objects)`);
        break;
      }
      case 0x81: case 0x92: {                              // NEWOBJ, NEWOBJ_EX
        const what = op === 0x81 ? 'NEWOBJ' : 'NEWOBJ_EX';
        if (op === 0x92) pop(what);
        pop(what);
        const cls = pop(what);
        fail(`pickle global '${cls instanceof PickleGlobal ? cls.qualname : typeName(cls)}' is not allowed (${what} builds arbitrary objects)`);
        break;
      }
      case 0x82: fail(`pickle extension code EXT1 ${u8()} is not allowed (the copyreg registry names arbitrary globals)`); break;
      case 0x83: fail(`pickle extension code EXT2 ${u16()} is not allowed (the copyreg registry names arbitrary globals)`); break;
      case 0x84: fail(`pickle extension code EXT4 ${i32()} is not allowed (the copyreg registry names arbitrary globals)`); break;
      case 0x97: case 0x98: fail(`pickle out-of-band buffers (NEXT_BUFFER / READONLY_BUFFER) are not supported`); break;
      default: fail(`pickle: unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${pos - 1}`);
    }
  }
}

/** A JS object key for a Python dict key: strings as they are, ints as decimal, bools/None as Python spells them. */
function dictKey(k: unknown, fail: (msg: string) => never): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  if (k === null) return 'None';
  return fail(`pickle: dict key of type ${typeName(k)} is not supported (only str, int, float, bool and None keys)`);
}

/** Little-endian two's complement bytes (LONG1/LONG4) as a number when safe, else a bigint. */
function longBytes(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function textInt(s: string, what: string, fail: (msg: string) => never): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d{1,4300}$/.test(t)) fail(`pickle: bad ${what} '${t.slice(0, 40)}'`);
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};

/** Protocol 0's STRING: a Python repr in quotes, with backslash escapes. */
function quotedString(s: string, fail: (msg: string) => never): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail(`pickle: STRING argument must be quoted, got ${JSON.stringify(s.slice(0, 40))}`);
  const body = s.slice(1, -1);
  const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (!(e in ESC)) fail(`pickle: unsupported escape \\${e} in STRING`);
    return ESC[e];
  });
}

/** Protocol 0's UNICODE: raw-unicode-escape (\uXXXX, \UXXXXXXXX; other bytes latin1). */
function rawUnicodeEscape(s: string, fail: (msg: string) => never): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string | undefined, b: string | undefined) => {
    const cp = parseInt((a ?? b)!, 16);
    if (cp > 0x10ffff) fail(`pickle: code point 0x${cp.toString(16)} in UNICODE is out of range`);
    return String.fromCodePoint(cp);
  });
}

/** Python-ish type names for error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleGlobal) return `global '${v.qualname}'`;
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Set) return 'a set';
  if (typeof v === 'object') return (v as object).constructor?.name === 'Object' ? 'a dict' : `a ${(v as object).constructor?.name ?? 'object'}`;
  if (typeof v === 'string') return 'a str';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? 'an int' : 'a float';
  if (typeof v === 'boolean') return 'a bool';
  return typeof v;
}
