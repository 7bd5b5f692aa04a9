/**
 * Jinja value semantics over plain JS values, following @huggingface/jinja (the reference) where it and
 * Python's Jinja2 differ: truthiness (empty list/dict are false), how values print, JSON serialisation,
 * namespaces, slicing, negative indexes, and the Python methods of strings and dicts. Where the reference
 * refuses what Python renders — a `for` over a string — Python is followed.
 */
import { checkLength } from '../render-limits.ts';
import { nj } from './internals.ts';

const SafeString = nj.runtime.SafeString;
const hasOwn = (o: object, k: PropertyKey) => Object.hasOwn(o, k);

/** `namespace(...)`: a mutable attribute bag — the only object `{% set ns.attr = … %}` may assign to. */
export class Namespace {
  constructor(entries: Record<string, unknown>) {
    for (const [k, v] of Object.entries(entries)) defineKey(this, k, v);
  }
}

/** Sets an own property even when the key is `__proto__` (plain assignment would replace the prototype). */
function defineKey(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A dict literal: `__proto__` stays an ordinary key, as in the reference. */
export function dict(pairs: [unknown, unknown][]): Record<string, unknown> {
  return Object.fromEntries(pairs);
}

type Dict = Record<string, unknown>;

/** A Jinja mapping (dict): a plain object, not a list, namespace or nunjucks SafeString. */
export function isMapping(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Namespace) && !(v instanceof SafeString);
}

/** nunjucks marks macro output and `safe` strings as SafeString objects; Jinja sees plain strings. */
export function unsafe(v: unknown): unknown {
  return v instanceof SafeString ? v.val : v;
}

/** Python truthiness (`if`, `not`, `and`, `or`, inline if): empty lists and dicts are false. */
export function truthy(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return !!v;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof SafeString) return v.val.length > 0;
  if (v instanceof Namespace) return true;
  for (const k in v) if (hasOwn(v, k)) return true;
  return false;
}

export interface JsonOptions {
  indent?: number | null;
  ensureAscii?: boolean;
  separators?: [string, string] | null;
  sortKeys?: boolean;
}

const asciiSafe = (s: string) => s.replace(/[\x7f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

/**
 * `tojson` exactly as @huggingface/jinja formats it (Python json.dumps layout): `", "` and `": "` by
 * default, `","` between items when indenting, empty containers stay `[]`/`{}`.
 */
export function toJSON(input: unknown, options: JsonOptions = {}, undefinedToNull = true): string {
  // The layout is settled once per call, not again for every nested value.
  const { indent = null, ensureAscii = false, separators = null, sortKeys = false } = options;
  if (indent) checkLength(indent, 'a tojson indent');
  const [itemSep, keySep] = separators ?? (indent ? [',', ': '] : [', ', ': ']);
  const pad = indent ? ' '.repeat(indent) : '';
  const quote = (s: string) => (ensureAscii ? asciiSafe(JSON.stringify(s)) : JSON.stringify(s));
  const format = (value: unknown, level: number): string => {
    value = unsafe(value);
    if (value === null) return 'null';
    if (value === undefined) return undefinedToNull ? 'null' : 'undefined';
    switch (typeof value) {
      case 'number':
      case 'boolean':
        return JSON.stringify(value);
      case 'string':
        return quote(value);
      case 'object': {
        const base = '\n' + pad.repeat(level);
        const child = base + pad;
        if (Array.isArray(value)) {
          const core = value.map((x) => format(x, level + 1));
          return indent && core.length > 0 ? `[${child}${core.join(`${itemSep}${child}`)}${base}]` : `[${core.join(itemSep)}]`;
        }
        let entries = Object.entries(value as Dict);
        if (sortKeys) entries = entries.sort(([a], [b]) => a.localeCompare(b));
        const core = entries.map(([k, v]) => {
          const item = `${quote(k)}${keySep}${format(v, level + 1)}`;
          return indent ? `${child}${item}` : item;
        });
        return indent && core.length > 0 ? `{${core.join(itemSep)}${base}}` : `{${core.join(itemSep)}}`;
      }
      default:
        throw new Error(`Cannot convert to JSON: ${typeof value}`);
    }
  };
  return format(input, 0);
}

/** How `{{ value }}` prints: none/undefined as nothing, lists and dicts as JSON (as the reference does). */
export function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return v instanceof SafeString ? v.val : toJSON(v, {}, false);
  return String(v);
}

/** Python slicing `x[start:stop:step]` of a list or string. */
export function slice(obj: unknown, start?: number | null, stop?: number | null, step?: number | null): unknown {
  obj = unsafe(obj);
  const s = step ?? 1;
  if (Array.isArray(obj)) return sliceArray(obj, start ?? undefined, stop ?? undefined, s);
  if (typeof obj === 'string') return sliceArray(Array.from(obj), start ?? undefined, stop ?? undefined, s).join('');
  throw new Error('Slice object must be an array or string');
}

function sliceArray<T>(array: T[], start: number | undefined, stop: number | undefined, step: number): T[] {
  if (step === 0) throw new Error('slice step cannot be zero');
  const n = array.length;
  const dir = Math.sign(step);
  if (dir > 0) {
    start = (start ??= 0) < 0 ? Math.max(n + start, 0) : Math.min(start, n);
    stop = (stop ??= n) < 0 ? Math.max(n + stop, 0) : Math.min(stop, n);
  } else {
    start = (start ??= n - 1) < 0 ? Math.max(n + start, -1) : Math.min(start, n - 1);
    stop = (stop ??= -1) < -1 ? Math.max(n + stop, -1) : Math.min(stop, n - 1);
  }
  const out: T[] = [];
  for (let i = start; dir * i < dir * stop; i += step) out.push(array[i]);
  return out;
}

/** nunjucks passes keyword arguments as a trailing object flagged `__keywords`. */
export function splitArgs(args: unknown[]): [unknown[], Dict] {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && hasOwn(last, '__keywords')) {
    const { __keywords: _flag, ...kw } = last as Dict;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

function pythonSplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = typeof maxsplit === 'number' ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    // Runs of whitespace separate; no empty strings at either end.
    const text = s.trimStart();
    const out: string[] = [];
    for (const m of text.matchAll(/\S+/g)) {
      if (max !== -1 && out.length >= max) {
        out.push(m[0] + text.slice(m.index! + m[0].length));
        break;
      }
      out.push(m[0]);
    }
    return out;
  }
  if (typeof sep !== 'string') throw new Error('sep argument must be a string or null');
  if (sep === '') throw new Error('empty separator');
  const out = s.split(sep);
  if (max !== -1 && out.length > max) out.push(out.splice(max).join(sep));
  return out;
}

function pythonReplace(s: string, old: string, repl: string, count: unknown): string {
  if (count === 0) return s;
  let remaining = typeof count !== 'number' || count < 0 ? Infinity : count;
  const pattern = old.length === 0 ? /(?=)/gu : new RegExp(old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  return s.replaceAll(pattern, (m) => (remaining-- > 0 ? repl : m));
}

function affix(pattern: unknown, test: (p: string) => boolean, name: string): boolean {
  if (typeof pattern === 'string') return test(pattern);
  if (Array.isArray(pattern)) return pattern.some((p) => (typeof p === 'string' ? test(p) : fail(`${name}() tuple elements must be strings`)));
  return fail(`${name}() argument must be a string or tuple of strings`);
}

export function fail(msg: string): never {
  throw new Error(msg);
}

export const titleCase = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase());
export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Python string methods, with the reference's semantics (its strip/lstrip/rstrip take no character
 * argument: they strip whitespace, whatever is passed).
 */
const STRING_METHODS: Record<string, (s: string, args: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s) => s.trim(),
  lstrip: (s) => s.trimStart(),
  rstrip: (s) => s.trimEnd(),
  title: (s) => titleCase(s),
  capitalize: (s) => capitalize(s),
  startswith: (s, [p]) => affix(p, (x) => s.startsWith(x), 'startswith'),
  endswith: (s, [p]) => affix(p, (x) => s.endsWith(x), 'endswith'),
  split: (s, args) => {
    const [pos, kw] = splitArgs(args);
    return pythonSplit(s, pos[0] ?? kw.sep, pos[1] ?? kw.maxsplit);
  },
  replace: (s, args) => {
    const [pos, kw] = splitArgs(args);
    if (typeof pos[0] !== 'string' || typeof pos[1] !== 'string') throw new Error('replace() arguments must be strings');
    return pythonReplace(s, pos[0], pos[1], pos[2] ?? kw.count);
  },
};

/** Python dict methods. */
const DICT_METHODS: Record<string, (d: Dict, args: unknown[]) => unknown> = {
  get: (d, [key, dflt]) => (typeof key !== 'string' ? fail('Object key must be a string') : hasOwn(d, key) ? d[key] : (dflt ?? null)),
  items: (d) => Object.entries(d),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
};

/** `obj.key` / `obj[key]`: dict keys, list/string indexes (negative from the end), builtin methods. */
export function memberLookup(obj: unknown, key: unknown): unknown {
  if (typeof obj === 'object' && obj !== null) {
    if (Array.isArray(obj)) return typeof key === 'number' ? obj.at(key) : key === 'length' ? obj.length : undefined;
    if (obj instanceof SafeString) return memberLookup(obj.val, key);
    if (hasOwn(obj, key as PropertyKey)) return (obj as Dict)[key as string];
    if (obj instanceof Namespace || typeof key !== 'string' || !hasOwn(DICT_METHODS, key)) return undefined;
    const method = DICT_METHODS[key];
    return (...args: unknown[]) => method(obj as Dict, args);
  }
  if (typeof obj === 'string') {
    if (typeof key === 'number') return obj.at(key);
    if (key === 'length') return obj.length;
    if (typeof key !== 'string' || !hasOwn(STRING_METHODS, key)) return undefined;
    const method = STRING_METHODS[key];
    return (...args: unknown[]) => method(obj, args);
  }
  return undefined;
}

/** `obj.method(args)` without allocating a bound function for the builtin methods (a hot path). */
export function callMember(obj: unknown, key: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (typeof key === 'string') {
    if (typeof obj === 'string' && hasOwn(STRING_METHODS, key)) return STRING_METHODS[key](obj, args);
    if (isMapping(obj) && !hasOwn(obj, key) && hasOwn(DICT_METHODS, key)) return DICT_METHODS[key](obj, args);
  }
  return callWrap(memberLookup(obj, key), name, context, args);
}

export function callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (typeof fn !== 'function') throw new Error(`Unable to call \`${name}\`, which is ${fn === undefined || fn === null ? 'undefined' : 'not a function'}`);
  return fn.apply(context, args);
}

/** `{% set ns.attr = value %}` */
export function setAttr(obj: unknown, key: unknown, value: unknown): void {
  if (!(obj instanceof Namespace)) throw new Error('cannot assign attribute on non-namespace object');
  defineKey(obj, String(key), value);
}

/**
 * What a `for` loop iterates: a list, a dict's keys, or a string's characters — by code point, as Python
 * iterates a str. The reference refuses strings; Python's Jinja2 iterates them, and templates rely on it
 * (llama3.2-vision loops over each message's `content`, a string or a list of parts).
 */
export function iterable(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMapping(v)) return Object.keys(v);
  const text = unsafe(v);
  if (typeof text === 'string') return Array.from(text);
  throw new Error(`Expected iterable or object type in for loop: got ${describe(v)}`);
}

/** `for a, b in pairs` / `{% set a, b = pair %}` */
export function unpack(v: unknown, n: number): unknown[] {
  if (!Array.isArray(v)) throw new Error(`Cannot unpack non-iterable type: ${describe(v)}`);
  if (v.length !== n) throw new Error(`Too ${n > v.length ? 'few' : 'many'} items to unpack`);
  return v;
}

function describe(v: unknown): string {
  return v === null ? 'none' : Array.isArray(v) ? 'list' : typeof v;
}

/**
 * What the reference's `+` and `~` make of an operand: JavaScript's own toString of its value. A list
 * becomes its items joined by "," (each printed as it would print alone: dicts as JSON) and a dict or
 * namespace "[object Map]". Python's Jinja2 raises a TypeError on `str + list`; templates that do it
 * (e.g. `… + message['content']` with multimodal parts) render this text in the reference, so it is what
 * must be matched.
 */
function operandText(v: unknown): string {
  v = unsafe(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(itemText).join(',');
  if (typeof v === 'object' && v !== null) return '[object Map]';
  return String(v);
}

function itemText(v: unknown): string {
  v = unsafe(v);
  if (v === null) return 'null';
  if (typeof v === 'object') return toJSON(v, {}, false);
  return String(v);
}

/** `a + b`: numbers add, lists concatenate, anything with a string concatenates as text. */
export function add(a: unknown, b: unknown): unknown {
  const ta = typeof a;
  const tb = typeof b;
  // Fast paths first: this runs for every `+` in a template's message loop.
  if (ta === 'string' && tb === 'string') return joined(a as string, b as string);
  if (ta === 'number' && tb === 'number') return (a as number) + (b as number);
  if (a === undefined || b === undefined) throw new Error('Cannot perform operation + on undefined values');
  if (a === null || b === null) throw new Error('Cannot perform operation on null values');
  if (Array.isArray(a) && Array.isArray(b)) {
    checkLength(a.length + b.length, 'a concatenated list');
    return a.concat(b);
  }
  if (ta === 'string' || tb === 'string' || a instanceof SafeString || b instanceof SafeString) return joined(operandText(a), operandText(b));
  throw new Error(`Unknown operator "+" between ${describe(a)} and ${describe(b)}`);
}

/** `a * b`: numbers multiply; a string or list times an integer repeats it, as in Python's Jinja2. */
export function multiply(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const [seq, n] = typeof a === 'number' ? [unsafe(b), a] : [unsafe(a), b];
  if (typeof n === 'number' && Number.isInteger(n) && (typeof seq === 'string' || Array.isArray(seq))) {
    const count = Math.max(0, n);
    checkLength(seq.length * count, 'a repeated value');
    return typeof seq === 'string' ? seq.repeat(count) : Array.from({ length: count }, () => seq).flat(1);
  }
  throw new Error(`Unknown operator "*" between ${describe(a)} and ${describe(b)}`);
}

/** `a ~ b`: string concatenation (the reference refuses undefined and none operands). */
export function concat(a: unknown, b: unknown): string {
  if (a === undefined || b === undefined) throw new Error('Cannot perform operation ~ on undefined values');
  if (a === null || b === null) throw new Error('Cannot perform operation on null values');
  return joined(operandText(a), operandText(b));
}

/** `a + b` of two strings within the character limit (doubling a string 30 times would need 1 GB). */
function joined(a: string, b: string): string {
  if (a.length + b.length > 65_536) checkLength(a.length + b.length, 'a concatenated string');
  return a + b;
}

/** `a in b`: list membership, substring, dict key; anything is not in an undefined value. */
export function inOperator(a: unknown, b: unknown): boolean {
  if (b === undefined) return false;
  if (a === undefined) throw new Error('Cannot perform operation in on undefined values');
  if (a === null || b === null) throw new Error('Cannot perform operation on null values');
  a = unsafe(a);
  b = unsafe(b);
  if (Array.isArray(b)) return b.some((x) => unsafe(x) === a);
  if (typeof a === 'string' && typeof b === 'string') return b.includes(a);
  if (typeof a === 'string' && isMapping(b)) return hasOwn(b, a);
  throw new Error(`Unknown operator "in" between ${describe(a)} and ${describe(b)}`);
}
