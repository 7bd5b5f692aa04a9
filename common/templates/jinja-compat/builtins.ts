/**
 * The filters, tests and globals chat templates use, with the reference's (@huggingface/jinja) semantics.
 * They are registered on one nunjucks Environment only (see nunjucks-compat.ts), never globally.
 */
import { boundedRange, checkLength } from '../render-limits.ts';
import { Namespace, capitalize, fail, isMapping, splitArgs, titleCase, toJSON, truthy, unsafe, callMember, type JsonOptions } from './values.ts';

type Filter = (value: unknown, ...args: unknown[]) => unknown;
type Dict = Record<string, unknown>;

const str = (v: unknown, filter: string): string => {
  v = unsafe(v);
  if (typeof v !== 'string') throw new Error(`Cannot apply filter "${filter}" to ${v === null ? 'none' : typeof v}`);
  return v;
};
const list = (v: unknown, filter: string): unknown[] => {
  if (!Array.isArray(v)) throw new Error(`Cannot apply filter "${filter}" to ${v === null ? 'none' : typeof v}`);
  return v;
};

/** A dotted attribute path (`map(attribute='function.name')`, `sort(attribute=…)`). */
function attributeOf(item: unknown, path: string): unknown {
  let v = item;
  for (const part of path.split('.')) {
    if (Array.isArray(v)) v = /^\d+$/.test(part) ? v[Number(part)] : undefined;
    else if (isMapping(v) || v instanceof Namespace) v = Object.hasOwn(v, part) ? (v as Dict)[part] : undefined;
    else return undefined;
  }
  return v;
}

function compare(a: unknown, b: unknown, caseSensitive: boolean): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = caseSensitive ? [a, b] : [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) - Number(b);
  if (a === b) return 0;
  throw new Error(`Cannot compare ${typeof a} with ${typeof b}`);
}

export const FILTERS: Record<string, Filter> = {
  safe: (v) => v,
  tojson: (v, ...args) => {
    const [, kw] = splitArgs(args);
    const opts: JsonOptions = {
      indent: (kw.indent as number | undefined) ?? null,
      ensureAscii: (kw.ensure_ascii as boolean | undefined) ?? false,
      sortKeys: (kw.sort_keys as boolean | undefined) ?? false,
      separators: (kw.separators as [string, string] | undefined) ?? null,
    };
    return toJSON(v, opts);
  },
  // As the reference: lists print as JSON; dicts, none and undefined are refused.
  string: (v) => {
    v = unsafe(v);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return toJSON(v, {}, false);
    throw new Error(`Cannot apply filter "string" to ${v === null ? 'none' : v === undefined ? 'an undefined value' : typeof v}`);
  },
  length: (v) => {
    v = unsafe(v);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isMapping(v)) return Object.keys(v).length;
    throw new Error(`Cannot apply filter "length" to ${typeof v}`);
  },
  trim: (v) => str(v, 'trim').trim(),
  upper: (v) => str(v, 'upper').toUpperCase(),
  lower: (v) => str(v, 'lower').toLowerCase(),
  title: (v) => titleCase(str(v, 'title')),
  capitalize: (v) => capitalize(str(v, 'capitalize')),
  replace: (v, ...args) => callMember(str(v, 'replace'), 'replace', 'replace', undefined, args),
  indent: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const width = (pos[0] ?? kw.width ?? 4) as number;
    const first = truthy(pos[1] ?? kw.first ?? false);
    const blank = truthy(pos[2] ?? kw.blank ?? false);
    const text = str(v, 'indent');
    const lines = text.split('\n');
    checkLength(text.length + Math.max(0, width) * lines.length, 'the indented text');
    const pad = ' '.repeat(width);
    return lines
      .map((line, i) => ((!first && i === 0) || (!blank && line.length === 0) ? line : pad + line))
      .join('\n');
  },
  join: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const sep = (pos[0] ?? kw.separator ?? '') as string;
    v = unsafe(v);
    if (typeof v === 'string') return Array.from(v).join(sep);
    return list(v, 'join').join(sep);
  },
  list: (v) => list(v, 'list'),
  first: (v) => list(v, 'first')[0],
  last: (v) => {
    const l = list(v, 'last');
    return l[l.length - 1];
  },
  reverse: (v) => list(v, 'reverse').slice().reverse(),
  unique: (v) => {
    const seen = new Set<unknown>();
    return list(v, 'unique').filter((x) => !seen.has(x) && (seen.add(x), true));
  },
  sort: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const reverse = truthy(pos[0] ?? kw.reverse ?? false);
    const caseSensitive = truthy(pos[1] ?? kw.case_sensitive ?? false);
    const attribute = (pos[2] ?? kw.attribute ?? null) as string | number | null;
    const key = (x: unknown) => (attribute === null ? x : attributeOf(x, String(attribute)));
    return list(v, 'sort')
      .slice()
      .sort((a, b) => (reverse ? -1 : 1) * compare(key(a), key(b), caseSensitive));
  },
  items: (v) => {
    if (!isMapping(v)) throw new Error('Cannot apply filter "items" to a non-mapping');
    return Object.entries(v);
  },
  dictsort: (v, ...args) => {
    if (!isMapping(v)) throw new Error('Cannot apply filter "dictsort" to a non-mapping');
    const [pos, kw] = splitArgs(args);
    const caseSensitive = truthy(pos[0] ?? kw.case_sensitive ?? false);
    const index = (pos[1] ?? kw.by ?? 'key') === 'key' ? 0 : 1;
    const reverse = truthy(pos[2] ?? kw.reverse ?? false);
    return Object.entries(v).sort((a, b) => (reverse ? -1 : 1) * compare(a[index], b[index], caseSensitive));
  },
  default: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const dflt = pos[0] ?? '';
    const boolean = truthy(pos[1] ?? kw.boolean ?? false);
    return v === undefined || (boolean && !truthy(v)) ? dflt : v;
  },
  int: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const dflt = pos[0] ?? kw.default ?? 0;
    if (typeof v === 'string') {
      const n = parseInt(v, 10);
      return Number.isNaN(n) ? dflt : n;
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return Math.trunc(v);
    throw new Error('Cannot apply filter "int"');
  },
  float: (v, ...args) => {
    const [pos, kw] = splitArgs(args);
    const dflt = pos[0] ?? kw.default ?? 0;
    if (typeof v === 'string') {
      const n = parseFloat(v);
      return Number.isNaN(n) ? dflt : n;
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    throw new Error('Cannot apply filter "float"');
  },
  abs: (v) => Math.abs(v as number),
  selectattr: (v, ...args) => selectAttr(v, args, true),
  rejectattr: (v, ...args) => selectAttr(v, args, false),
  map: (v, ...args) => {
    const [, kw] = splitArgs(args);
    if (typeof kw.attribute !== 'string') throw new Error('`map` expressions without `attribute` set are not supported');
    const attr = kw.attribute;
    return list(v, 'map').map((item) => {
      if (!isMapping(item) && !(item instanceof Namespace)) throw new Error('items in map must be an object');
      const value = attributeOf(item, attr);
      return value === undefined ? kw.default : value;
    });
  },
};

function selectAttr(v: unknown, args: unknown[], select: boolean): unknown[] {
  const items = list(v, select ? 'selectattr' : 'rejectattr');
  const [attr, testName, value] = args as [string, string | undefined, unknown];
  const test = testName === undefined ? (x: unknown) => truthy(x) : TESTS[testName];
  if (!test) throw new Error(`Unknown test: ${testName}`);
  return items.filter((item) => {
    if (!isMapping(item) && !(item instanceof Namespace)) throw new Error('selectattr can only be applied to a list of objects');
    const a = (item as Dict)[attr];
    return (a !== undefined && test(a, value)) === select;
  });
}

const isInt = (v: unknown) => Number.isInteger(v);

/** Jinja tests (`x is defined`, `x is not none`, …). `iterable` means list or string, as in the reference. */
export const TESTS: Record<string, (v: unknown, arg?: unknown) => boolean> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  string: (v) => typeof unsafe(v) === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => isInt(v),
  iterable: (v) => Array.isArray(v) || typeof unsafe(v) === 'string',
  mapping: (v) => isMapping(v),
  sequence: (v) => Array.isArray(v) || isMapping(v) || typeof unsafe(v) === 'string',
  callable: (v) => typeof v === 'function',
  odd: (v) => (isInt(v) ? (v as number) % 2 !== 0 : fail('cannot odd on a non-integer')),
  even: (v) => (isInt(v) ? (v as number) % 2 === 0 : fail('cannot even on a non-integer')),
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  equalto: (a, b) => a === b,
  eq: (a, b) => a === b,
};

/** Python's strftime for the directives the reference supports, in local time as the reference does. */
let monthFormats: { long: Intl.DateTimeFormat; short: Intl.DateTimeFormat } | undefined;

export function strftime(date: Date, format: string): string {
  // Building an Intl formatter costs tens of µs — more than rendering a short template — so build once.
  monthFormats ??= { long: new Intl.DateTimeFormat(undefined, { month: 'long' }), short: new Intl.DateTimeFormat(undefined, { month: 'short' }) };
  const { long, short } = monthFormats;
  const pad2 = (n: number) => (n < 10 ? '0' + n : n.toString());
  return format.replace(/%[YmdbBHM%]/g, (t) => {
    switch (t) {
      case '%Y': return date.getFullYear().toString();
      case '%m': return pad2(date.getMonth() + 1);
      case '%d': return pad2(date.getDate());
      case '%b': return short.format(date);
      case '%B': return long.format(date);
      case '%H': return pad2(date.getHours());
      case '%M': return pad2(date.getMinutes());
      case '%%': return '%';
      default: return t;
    }
  });
}

export const GLOBALS: Record<string, unknown> = {
  raise_exception: (msg: unknown) => {
    throw new Error(String(msg));
  },
  strftime_now: (format: string) => strftime(new Date(), format),
  range: boundedRange,
  namespace: (...args: unknown[]) => {
    const [pos, kw] = splitArgs(args);
    if (pos.length > 1) throw new Error(`namespace expected at most 1 argument, got ${pos.length}`);
    const init = pos[0] === undefined ? {} : isMapping(pos[0]) ? pos[0] : Array.isArray(pos[0]) ? Object.fromEntries(pos[0] as [string, unknown][]) : fail('namespace() argument is not iterable');
    return new Namespace({ ...init, ...kw });
  },
};
