/**
 * The runtime object templates compiled by the compatibility layer receive as `runtime`: a copy of
 * nunjucks' runtime with Jinja semantics for member lookup (negative indexes, Python methods), output,
 * `in`, calls, plus the `jx*` helpers the compiler emits. A copy, so nunjucks' own runtime — shared
 * by every other nunjucks environment in the process — is untouched.
 */
import { nj } from './internals.ts';
import { add, callMember, callWrap, concat, inOperator, iterable, memberLookup, setAttr, slice, toText, truthy, unpack } from './values.ts';

export const jinjaRuntime: Record<string, unknown> = {
  ...nj.runtime,
  memberLookup,
  callWrap,
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
};
