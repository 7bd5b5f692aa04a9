/**
 * Hostile chat templates: what a model file could carry to run code, read the host's objects, load other
 * templates or end the process. Each payload's code, where it has any, marks success with a side effect a
 * check can see — a global, a file, a child process that writes the file — so "blocked" never rests on
 * the engine's word. The checker names a fresh file in `globalThis.PREPBENCH_MARKER`.
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

/** Sets a global and writes the marker file (its path in a global the checker sets): either means it ran. */
const JS = `globalThis.PREPBENCH_PWNED=1;process.getBuiltinModule('fs').writeFileSync(globalThis.PREPBENCH_MARKER,'pwned')`;
/** The same through a child process (the file appears only if a shell ran). */
const SHELL = `globalThis.PREPBENCH_PWNED=1;process.getBuiltinModule('child_process').execSync('echo pwned > '+globalThis.PREPBENCH_MARKER)`;
/**
 * Code after a name ending in a backslash swallowed the quote closing its own string in the generated code, so that
 * the next string literal's text is read as code: close `parens` open calls (and the try block and
 * function around them), run, and comment out the rest of the line. Runs when the template is compiled.
 */
const breakout = (parens: number, code = JS) => `${')'.repeat(parens)};}catch(e){}}${code};function z(){try{//`;
/**
 * A name that is JavaScript once pasted between quotes: `x"&&Function`…```&&"` builds a function from a
 * template literal and calls it. Names end at whitespace and at ( ) . - / and the like, so the code is
 * written with \xHH escapes, which the template literal decodes.
 */
const quotedName = (code = JS) => `x"&&Function\`${code.replace(/[^A-Za-z0-9_]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\`\`\`&&"`;
const q = JSON.stringify;

const injection: [string, string][] = [
  ['name-backslash', `{{ x\\ ~ ${q(breakout(3))} }}`],
  ['name-backslash-shell', `{{ x\\ ~ ${q(breakout(3, SHELL))} }}`],
  ['name-quote', `{{ ${quotedName()} }}`],
  ['name-quote-shell', `{{ ${quotedName(SHELL)} }}`],
  ['name-quote-only', `{{ a"b }}`],
  ['filter-name-backslash', `{{ 1 | x\\(${q(breakout(2))}) }}`],
  ['filter-name-quote', `{{ 1 | ${quotedName()} }}`],
  ['test-name-quote', `{{ 1 is ${quotedName()} }}`],
  ['trim-markers', `{{- x\\ ~ ${q(breakout(3))} -}}`],
  ['generation-tag', `{% generation %}{{ x\\ ~ ${q(breakout(3))} }}{% endgeneration %}`],
  ['if-condition', `{% if x\\ ~ ${q(`)))){}}catch(e){}}${JS};function z(){try{if(1){//`)} %}y{% endif %}`],
  ['if-condition-quote', `{% if ${quotedName()} %}y{% endif %}`],
  ['for-variable', `{% for x\\ in [1] %}{{ 1 ~ ${q(breakout(3))} }}{% endfor %}`],
  ['for-iterable', `{% for m in x\\ ~ ${q(breakout(3))} %}{% endfor %}`],
  ['for-iterable-quote', `{% for m in ${quotedName()} %}{% endfor %}`],
  ['set-target', `{% set x\\ = ${q(breakout(3))} %}`],
  ['set-value-quote', `{% set a = ${quotedName()} %}{{ a }}`],
  ['macro-name', `{% macro ${quotedName()}() %}{% endmacro %}`],
  ['macro-argument', `{% macro m(${quotedName()}) %}{% endmacro %}{{ m(1) }}`],
  ['macro-keyword', `{% macro m(a=1) %}{{ a }}{% endmacro %}{{ m(${quotedName()}=2) }}`],
  ['call-name', `{{ ${quotedName()}(1) }}`],
  ['call-name-through-lookup', `{{ messages[${q(`\\")));}catch(e){}}${JS};function z(){try{//`)}]()(1) }}`],
  ['attribute-name', `{{ messages.x\\ ~ ${q(breakout(3))} }}`],
  ['dict-key-name', `{{ {${quotedName()}: 1} }}`],
  ['namespace-attribute', `{% set ns = namespace() %}{% set ns.x\\ = ${q(breakout(3))} %}`],
  ['string-line-separator', `{{ "\u2028${breakout(3)}" }}`],
  ['string-escapes', `{{ "\\x22\\u0022\\\\${breakout(3)}" }}`],
  ['template-text-quote', `"+(${JS})+"\\{{ 1 }}`],
  ['number-name', `{{ 1x\\ ~ ${q(breakout(3))} }}`],
  ['filter-block-name', `{% filter ${quotedName()} %}x{% endfilter %}`],
  ['call-block', `{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{{ x\\ ~ ${q(breakout(3))} }}{% endcall %}`],
  ['keyword-argument-name', `{{ 'a' | replace('a', 'b', ${quotedName()}=1) }}`],
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
