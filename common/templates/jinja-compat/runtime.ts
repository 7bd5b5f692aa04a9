/**
 * The runtime object templates compiled by the compatibility layer receive as `runtime`: a copy of
 * nunjucks' runtime with Jinja semantics for member lookup (negative indexes, Python methods), output,
 * `in`, calls, plus the `jx*` helpers the compiler emits. A copy, so nunjucks' own runtime — shared
 * by every other nunjucks environment in the process — is untouched.
 */
import { tick } from '../render-limits.ts';
import { FILTERS, GLOBALS, TESTS } from './builtins.ts';
import { type NjFrame, nj } from './internals.ts';
import { add, callMember, callWrap, concat, dict, inOperator, iterable, memberLookup, multiply, setAttr, slice, toText, truthy, unpack } from './values.ts';

const hasOwn = Object.hasOwn;

/**
 * A template variable: the template's own bindings, then the render context, then the layer's globals —
 * own properties only (nunjucks' Context.lookup uses `in`, so `{{ constructor }}` found Object).
 */
function lookup(context: { ctx: Record<string, unknown> }, frame: NjFrame, name: string): unknown {
  const bound = frame.lookup(name);
  if (bound !== undefined) return bound;
  if (hasOwn(context.ctx, name)) return context.ctx[name];
  return hasOwn(GLOBALS, name) ? GLOBALS[name] : undefined;
}

/** Filters and tests come from the layer's tables only, never from nunjucks' (or inherited) ones. */
function filter(name: string): (...args: unknown[]) => unknown {
  if (!hasOwn(FILTERS, name)) throw new Error(`filter not found: ${name}`);
  return FILTERS[name];
}

function test(name: string): (...args: never[]) => boolean {
  if (!hasOwn(TESTS, name)) throw new Error(`test not found: ${name}`);
  return TESTS[name];
}

export const jinjaRuntime: Record<string, unknown> = {
  ...nj.runtime,
  memberLookup,
  // Macros and `caller()` are called through here: recursion ticks the render clock like a loop does.
  callWrap: (fn: unknown, name: string, context: unknown, args: unknown[]) => {
    tick();
    return callWrap(fn, name, context, args);
  },
  inOperator,
  // Autoescape is off (as in transformers), so output is just the value's text.
  suppressValue: (v: unknown) => toText(v),
  jxTruthy: truthy,
  jxAdd: add,
  jxConcat: concat,
  jxSlice: slice,
  jxCallMember: callMember,
  jxSetAttr: setAttr,
  jxIterable: iterable,
  jxUnpack: unpack,
  jxLookup: lookup,
  jxFilter: filter,
  jxTest: test,
  jxDict: dict,
  jxMul: multiply,
  jxTick: tick,
};
