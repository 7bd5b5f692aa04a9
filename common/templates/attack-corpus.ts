/**
 * Hostile chat templates: what a model file could carry to run code, read the host's objects, load other
 * templates or end the process. Each payload's code, where it has any, marks success with a side effect a
 * check can see — a global, a file, a child process that writes the file — so "blocked" never rests on
 * the engine's word. `%MARKER%` is replaced by the checker with a fresh file path.
 *
 * Kinds:
 * - code-injection: names and strings that reach nunjucks' generated JavaScript (compile time);
 * - runtime-escape: reaching the Function constructor through values a template can name;
 * - prototype-leak: host objects or inherited properties printed into the prompt;
 * - template-loading: tags that read other templates;
 * - resource-exhaustion: one render that would take the process's memory or time.
 */
export type AttackKind = 'code-injection' | 'runtime-escape' | 'prototype-leak' | 'template-loading' | 'resource-exhaustion';

export interface AttackPayload {
  id: string;
  kind: AttackKind;
  source: string;
  /** resource-exhaustion: which bound must stop it. */
  bound?: 'range' | 'chars' | 'time' | 'recursion';
}

/** Sets a global and writes the marker file: either one seen afterwards means the payload ran. */
const JS = `globalThis.PREPBENCH_PWNED=1;process.getBuiltinModule('fs').writeFileSync('%MARKER%','pwned')`;
/** The same through a child process (the file appears only if a shell ran). */
const SHELL = `globalThis.PREPBENCH_PWNED=1;process.getBuiltinModule('child_process').execSync('echo pwned > %MARKER%')`;
/** Breaks out of the string literal nunjucks would paste a name into, runs, and re-opens a comment. */
const BREAKOUT = `")));}catch(e){}}${JS};function z(){try{//`;
const q = JSON.stringify;

const injection: [string, string][] = [
  ['name-backslash', `{{ x\\ ~ ${q(BREAKOUT)} }}`],
  ['name-backslash-shell', `{{ x\\ ~ ${q(`")));}catch(e){}}${SHELL};function z(){try{//`)} }}`],
  ['name-quote', `{{ x"+(${JS})+" }}`],
  ['name-quote-only', `{{ a"b }}`],
  ['filter-name-backslash', `{{ 1 | x\\(${q(BREAKOUT)}) }}`],
  ['filter-name-quote', `{{ 1 | x").call(context,(${JS}));(" }}`],
  ['test-name-quote', `{{ 1 is x"+(${JS})+" }}`],
  ['trim-markers', `{{- x\\ ~ ${q(BREAKOUT)} -}}`],
  ['generation-tag', `{% generation %}{{ x\\ ~ ${q(BREAKOUT)} }}{% endgeneration %}`],
  ['if-condition', `{% if x\\ ~ ${q(BREAKOUT)} %}y{% endif %}`],
  ['for-variable', `{% for x\\ in [1] %}{{ 1 ~ ${q(BREAKOUT)} }}{% endfor %}`],
  ['for-iterable', `{% for m in x\\ ~ ${q(BREAKOUT)} %}{% endfor %}`],
  ['set-target', `{% set x\\ = ${q(BREAKOUT)} %}`],
  ['set-target-quote', `{% set a"+(${JS})+" = 1 %}`],
  ['macro-name', `{% macro m"+(${JS})+"() %}{% endmacro %}`],
  ['macro-argument', `{% macro m(a"+(${JS})+") %}{% endmacro %}{{ m(1) }}`],
  ['macro-keyword', `{% macro m(a=1) %}{{ a }}{% endmacro %}{{ m(a"+(${JS})+"=2) }}`],
  ['call-name', `{{ x\\(1) ~ ${q(BREAKOUT)} }}`],
  ['call-name-through-lookup', `{{ messages["a\\\\"]()(${q(BREAKOUT)}) }}`],
  ['attribute-name', `{{ messages.x\\ ~ ${q(BREAKOUT)} }}`],
  ['dict-key-name', `{{ {x\\: ${q(BREAKOUT)}} }}`],
  ['namespace-attribute', `{% set ns = namespace() %}{% set ns.x\\ = ${q(BREAKOUT)} %}`],
  ['string-line-separator', `{{ "\u2028${BREAKOUT}" }}`],
  ['string-escapes', `{{ "\\x22\\u0022\\\\${BREAKOUT.replaceAll('"', '\\"')}" }}`],
  ['template-text-quote', `"+(${JS})+"\\{{ 1 }}`],
  ['number-name', `{{ 1x\\ ~ ${q(BREAKOUT)} }}`],
  ['filter-block-name', `{% filter x\\ %}${BREAKOUT}{% endfilter %}`],
  ['call-block', `{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{{ x\\ ~ ${q(BREAKOUT)} }}{% endcall %}`],
];

const escapes: [string, string][] = [
  ['range-constructor', `{{ range.constructor(${q(JS)})() }}`],
  ['namespace-constructor', `{{ namespace.constructor(${q(JS)})() }}`],
  ['raise-exception-constructor', `{{ raise_exception.constructor(${q(JS)})() }}`],
  ['strftime-constructor', `{{ strftime_now.constructor(${q(JS)})() }}`],
  ['string-constructor-chain', `{{ ''.constructor.constructor(${q(JS)})() }}`],
  ['list-constructor-chain', `{{ [].constructor.constructor(${q(JS)})() }}`],
  ['dict-constructor-chain', `{{ {}.constructor.constructor(${q(JS)})() }}`],
  ['message-constructor-chain', `{{ messages[0].constructor.constructor(${q(JS)})() }}`],
  ['subscript-constructor-chain', `{{ messages['constructor']['constructor'](${q(JS)})() }}`],
  ['loop-constructor', `{% for m in messages %}{{ loop.constructor.constructor(${q(JS)})() }}{% endfor %}`],
  ['cycler-global', `{{ cycler.constructor(${q(JS)})() }}`],
  ['joiner-global', `{{ joiner.constructor(${q(JS)})() }}`],
  ['lipsum-global', `{{ lipsum.constructor(${q(JS)})() }}`],
  ['caller-constructor', `{% macro m() %}{{ caller.constructor(${q(JS)})() }}{% endmacro %}{% call m() %}x{% endcall %}`],
  ['macro-constructor', `{% macro m() %}{% endmacro %}{{ m.constructor(${q(JS)})() }}`],
  ['proto-name', `{{ __proto__.constructor.constructor(${q(JS)})() }}`],
  ['set-proto', `{% set __proto__ = {"polluted": 1} %}{{ polluted }}`],
  ['namespace-proto', `{% set ns = namespace() %}{% set ns.__proto__ = {"constructor": 1} %}{{ ns.constructor }}`],
  ['attr-filter', `{{ (messages | attr('constructor'))(${q(JS)}) }}`],
  ['value-of-filter', `{{ (1 | valueOf).constructor.constructor(${q(JS)})() }}`],
  ['method-constructor', `{{ 'a'.upper.constructor(${q(JS)})() }}`],
  ['dict-method-constructor', `{{ messages[0].items.constructor(${q(JS)})() }}`],
];

const leaks: [string, string][] = [
  ['constructor-name', '{{ constructor }}'],
  ['to-string-name', '{{ toString }}'],
  ['has-own-property-name', '{{ hasOwnProperty }}'],
  ['proto-print', '{{ __proto__ }}'],
  ['environment-options', '{{ (1 | valueOf).env.opts }}'],
  ['process-global', '{{ process.env }}'],
  ['global-this', '{{ globalThis }}'],
  ['context-object', '{{ context }}{{ env }}{{ runtime }}{{ frame }}'],
  ['message-constructor', '{{ messages[0].constructor }}'],
  ['string-constructor', "{{ 'a'.constructor }}"],
  ['list-proto', '{{ messages.__proto__ }}'],
];

const loading: [string, string][] = [
  ['include', '{% include "views/x.html" %}'],
  ['include-ignore-missing', '{% include "x.html" ignore missing %}'],
  ['import', '{% import "x.html" as x %}{{ x }}'],
  ['from-import', '{% from "x.html" import y %}{{ y }}'],
  ['extends', '{% extends "x.html" %}'],
  ['block', '{% block content %}x{% endblock %}'],
];

const exhaustion: [string, string, AttackPayload['bound']][] = [
  ['range-1e9', '{{ range(10**9) | length }}', 'range'],
  ['range-1e7', '{{ range(10**7) | length }}', 'range'],
  ['range-step', '{{ range(0, 10**9, 1) | length }}', 'range'],
  ['range-negative-step', '{{ range(10**9, 0, -1) | length }}', 'range'],
  ['string-repeat', "{{ ('a' * 10**9) | length }}", 'chars'],
  ['list-repeat', '{{ ([1] * 10**9) | length }}', 'chars'],
  ['center-filter', "{{ 'a' | center(10**8) }}", 'chars'],
  ['indent-filter', "{{ 'a\\nb' | indent(10**9) }}", 'chars'],
  ['tojson-indent', '{{ messages | tojson(indent=10**9) }}', 'chars'],
  ['doubling', "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x | length }}", 'chars'],
  ['output-flood', '{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}', 'time'],
  ['nested-loops', '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}', 'time'],
  ['macro-fan-out', '{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}{{ f(0) }}', 'time'],
  ['macro-recursion', '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', 'recursion'],
];

export const ATTACK_PAYLOADS: readonly AttackPayload[] = [
  ...injection.map(([id, source]) => ({ id, kind: 'code-injection' as const, source })),
  ...escapes.map(([id, source]) => ({ id, kind: 'runtime-escape' as const, source })),
  ...leaks.map(([id, source]) => ({ id, kind: 'prototype-leak' as const, source })),
  ...loading.map(([id, source]) => ({ id, kind: 'template-loading' as const, source })),
  ...exhaustion.map(([id, source, bound]) => ({ id, kind: 'resource-exhaustion' as const, source, bound })),
];

/** Text that only a leaked host object or inherited function would put into a prompt. */
export const LEAK_PATTERN = /native code|function\s*\w*\s*\(|autoescape|throwOnUndefined|\[object (?!Map\])|"PATH"/;
