/**
 * The nunjucks Jinja-compatibility layer, one feature at a time: each template renders identically with
 * nunjucks and with @huggingface/jinja (the reference), and where the expected text is obvious it is
 * spelled out too, so a bug shared by both engines would still fail. Where the reference refuses what
 * Python's Jinja2 renders (a `for` over a string), the expected text is Python's.
 */
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../common/templates/engines.ts';

type Ctx = Record<string, unknown>;
const BASE: Ctx = { messages: [], add_generation_prompt: false, bos_token: '<s>', eos_token: '</s>' };

function render(engine: 'jinja' | 'nunjucks', source: string, ctx: Ctx): string {
  return compileTemplate(engine, source).render({ ...BASE, ...ctx } as never);
}

/** nunjucks output equals the reference's; returns it for further checks. */
function same(source: string, ctx: Ctx = {}, expected?: string): string {
  const reference = render('jinja', source, ctx);
  expect(render('nunjucks', source, ctx), source).toBe(reference);
  if (expected !== undefined) expect(reference, source).toBe(expected);
  return reference;
}

const xs = [1, 2, 3, 4, 5];
const messages = [
  { role: 'system', content: 'sys' },
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: '<think>\nplan\n</think>\n\nhello' },
];

describe('slicing and indexing', () => {
  it('slices lists and strings like Python', () => {
    same('{{ xs[1:] | join(",") }}', { xs }, '2,3,4,5');
    same('{{ xs[:-1] | join(",") }}', { xs }, '1,2,3,4');
    same('{{ xs[::-1] | join(",") }}', { xs }, '5,4,3,2,1');
    same('{{ xs[1:4:2] | join(",") }}', { xs }, '2,4');
    same('{{ "abcdef"[::-1] }}|{{ "abcdef"[2:] }}|{{ "abcdef"[-3:] }}', {}, 'fedcba|cdef|def');
    same('{% for m in messages[1:] %}{{ m.role }};{% endfor %}', { messages }, 'user;assistant;');
    same('{% for m in messages %}{{ messages[loop.index0 + 1:] | length }}{% endfor %}', { messages }, '210');
  });

  it('indexes from the end with negative numbers', () => {
    same('{{ xs[-1] }}{{ xs[-2] }}', { xs }, '54');
    same('{{ "a/b/c".split("/")[-1] }}', {}, 'c');
    same("{{ messages[-1].content.split('</think>')[-1].lstrip('\\n') }}", { messages }, 'hello');
    same('{{ messages[-1]["role"] }}', { messages }, 'assistant');
  });
});

describe('assignments and scoping', () => {
  it('namespace() and {% set ns.attr = … %}', () => {
    same('{% set ns = namespace(found=false, n=0) %}{% for x in xs %}{% if x > 2 %}{% set ns.found = true %}{% set ns.n = ns.n + 1 %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}', { xs }, 'true 3');
    expect(() => render('nunjucks', '{% set d = {} %}{% set d.x = 1 %}', {})).toThrow(/non-namespace/);
  });

  it('a set inside a loop does not leak out of it (Jinja scoping)', () => {
    same('{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}', { xs }, '1');
    same('{% for i in xs %}{% if loop.first %}{% set y = i %}{% endif %}{{ y }}{% endfor %}', { xs }, '11111');
  });

  it('unpacks tuples in set and for', () => {
    same('{% set a, b = [1, 2] %}{{ b }}{{ a }}', {}, '21');
    same('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', { d: { a: 1, b: 'x' } }, 'a=1;b=x;');
  });
});

describe('Python methods', () => {
  it('string methods', () => {
    same('{{ s.startswith("He") }} {{ s.endswith(("x", "ld")) }} {{ s.upper() }} {{ s.lower() }} {{ s.title() }}', { s: 'Hello world' }, 'true true HELLO WORLD hello world Hello World');
    same('[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}]', { s: '  a b \n' }, '[a b][a b \n][  a b]');
    same('{{ s.split() | join("|") }};{{ s.split(",") | join("|") }};{{ s.split(",", 1) | join("|") }}', { s: ' a,b , c ' }, 'a,b|,|c; a|b | c ; a|b , c ');
    same('{{ s.replace("a", "o") }} {{ s.replace("a", "o", 1) }} {{ "abc".capitalize() }}', { s: 'banana' }, 'bonono bonana Abc');
  });

  it('dict methods', () => {
    const d = { a: 1, b: [2, 3] };
    same('{% for k in d.keys() %}{{ k }}{% endfor %} {{ d.values() | length }} {{ d.get("a") }} {{ d.get("z", "dflt") }} {{ d.get("z") is none }}', { d }, 'ab 2 1 dflt true');
    same('{% for k, v in d | items %}{{ k }}{% endfor %}{% for k in d %}{{ k }}{% endfor %}', { d }, 'abab');
  });
});

describe('tojson (formatted exactly as the reference)', () => {
  const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {}, required: ['city', 'day'] } } };
  it('default separators', () => {
    same('{{ t | tojson }}', { t: tool }, '{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}, "required": ["city", "day"]}}}');
  });

  it('indent', () => {
    same('{{ t | tojson(indent=4) }}', { t: tool }, '{\n    "type": "function",\n    "function": {\n        "name": "f",\n        "parameters": {\n            "type": "object",\n            "properties": {},\n            "required": [\n                "city",\n                "day"\n            ]\n        }\n    }\n}');
  });

  it('strings, unicode, none, numbers, sort_keys, separators', () => {
    same('{{ "é\\"x" | tojson }} {{ none | tojson }} {{ 1.5 | tojson }} {{ [] | tojson(indent=2) }}', {}, '"é\\"x" null 1.5 []');
    same('{{ d | tojson(sort_keys=true) }} {{ d | tojson(separators=(",", ":")) }}', { d: { b: 1, a: [1, 2] } }, '{"a": [1, 2], "b": 1} {"b":1,"a":[1,2]}');
  });
});

describe('tests, literals, operators, truthiness', () => {
  it('is defined / none / string / mapping / iterable / sequence / number / boolean', () => {
    const ctx = { s: 's', n: null, d: { a: 1 }, l: [1], i: 3, b: true };
    same(
      '{{ s is defined }}{{ zz is defined }}{{ zz is undefined }}{{ n is none }}{{ s is not none }}{{ s is string }}{{ l is string }}' +
        '{{ d is mapping }}{{ l is mapping }}{{ l is iterable }}{{ s is iterable }}{{ d is iterable }}{{ d is sequence }}{{ i is number }}{{ b is boolean }}{{ b is true }}',
      ctx,
      'truefalsetruetruetruetruefalsetruefalsetruetruefalsetruetruetruetrue',
    );
    same('{{ "x" if s is defined and s is not none else "y" }}', { s: 1 }, 'x');
    same('{{ 1 == 2 is none }}', {}, 'false');
  });

  it('True/False/None literals', () => {
    same('{{ True }} {{ False }} {{ None is none }} {% if True and not False %}yes{% endif %}', {}, 'true false true yes');
  });

  it('Python truthiness: empty lists and dicts are false; and/or return an operand', () => {
    same('{% if l %}a{% else %}b{% endif %}{% if d %}c{% else %}d{% endif %}{{ l or "e" }}{{ "f" and "g" }}{{ not l }}', { l: [], d: {} }, 'bdegtrue');
    same('{{ (x is defined and x.strip()) or "none" }}', {}, 'none');
    same('{{ "" or 0 or "z" }}', {}, 'z');
  });

  it('in, not in, ~ and + concatenation, tuples', () => {
    same('{{ "ell" in "hello" }}{{ 2 in xs }}{{ "a" in d }}{{ "q" not in d }}{{ "x" in undefined_var }}', { xs, d: { a: 1 } }, 'truetruetruetruefalse');
    same('{{ "a" ~ 1 ~ "b" }} {{ "a" + "b" }} {{ 1 + 2 }} {{ ([1] + [2, 3]) | length }}', {}, 'a1b ab 3 3');
    same('{% for r in ("user", "assistant") %}{{ r }}{% endfor %} {{ "user" in ("user", "assistant") }}', {}, 'userassistant true');
    expect(() => render('nunjucks', '{{ undefined_var + "x" }}', {})).toThrow(/undefined/);
    // String + list / dict: Python raises; the reference prints JavaScript's text of the value, and so must nunjucks.
    same('{{ "c: " + parts }}|{{ "a: " ~ args }}|{{ parts | string }}', { parts: [{ type: 'text' }, 'x', 1], args: { city: 'a' } }, 'c: {"type": "text"},x,1|a: [object Map]|[{"type": "text"}, "x", 1]');
    expect(() => render('nunjucks', '{{ undefined_var | string }}', {})).toThrow();
  });

  it('string escapes and adjacent literals as the reference reads them; x.0 indexes', () => {
    same('{{ "a\\tb\\u00e9\\x41\\\\" }}|{{ \'it\\\'s\' }}|{{ "con" "cat" }}|{{ xs.0 }}', { xs }, 'a\tbéA\\|it\'s|concat|1');
  });

  it('dict literals with nested braces and trailing commas', () => {
    same('{% set d = {"a": {"b": 1}, "c": [1, 2,], } %}{{ d.a.b }}{{ d["c"] | length }}', {}, '12');
  });
});

describe('loops', () => {
  it('loop variables', () => {
    same('{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}', { xs: [7, 8] }, '102truefalse2|211falsetrue2|');
    same('{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}', { xs: [7, 8, 9] }, '-8;7-9;8-;');
  });

  it('for … if … filters before counting', () => {
    same("{% for m in messages if m['role'] != 'system' %}{{ loop.index }}{{ m.role }}{{ loop.last }};{% endfor %}", { messages }, '1userfalse;2assistanttrue;');
  });

  it('break, continue and else', () => {
    same('{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}', { xs }, '13');
    same('{% for x in [] %}{{ x }}{% else %}empty{% endfor %}', {}, 'empty');
  });

  it('over a string: its characters by code point, as Python Jinja2 — where the reference refuses', () => {
    // Expected texts are Python Jinja2 3.1.6's output (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks).
    const python: [string, Ctx, string][] = [
      ['{% for c in s %}{{ loop.index }}{{ c }}{{ "." if loop.last }}{% endfor %}', { s: 'aé😀b' }, '1a2é3😀4b.'],
      ['{% for c in s if c != "b" %}{{ c }}{{ loop.length }}{% endfor %}|{% for c in "" %}x{% else %}empty{% endfor %}|{% for c in "ab" | safe %}[{{ c }}]{% endfor %}', { s: 'abc' }, 'a2c2|empty|[a][b]'],
      // llama3.2-vision's loop over a message's content, a string or a list of parts.
      ["{% for part in content %}{% if part['type'] == 'image' %}<img>{% elif part['type'] == 'text' %}{{ part['text'] }}{% else %}({{ part }}){% endif %}{% endfor %}", { content: 'hi' }, '(h)(i)'],
    ];
    for (const [source, ctx, expected] of python) {
      expect(render('nunjucks', source, ctx), source).toBe(expected);
      expect(() => render('jinja', source, ctx), source).toThrow('Expected iterable or object type in for loop: got StringValue');
    }
  });
});

describe('filters', () => {
  const tools = [{ type: 'a', n: 1, f: { name: 'x' } }, { type: 'b', n: 2, f: { name: 'y' } }, { type: 'a', n: 3, f: { name: 'z' } }];
  it('length, trim, safe, string, list, first, last, join, unique, capitalize, upper', () => {
    same('{{ xs | length }}{{ "  t  " | trim }}{{ "<b>" | safe }}{{ xs | string }}{{ xs | list | first }}{{ xs | last }}{{ [1, 1, 2] | unique | join("-") }}{{ "ab" | capitalize }}{{ "ab" | upper }}', { xs }, '5t<b>[1, 2, 3, 4, 5]15'.concat('1-2AbAB'));
  });

  it('selectattr, rejectattr, map(attribute=…)', () => {
    same("{{ tools | selectattr('type', 'equalto', 'a') | map(attribute='n') | join(',') }}", { tools }, '1,3');
    same("{{ tools | rejectattr('type', 'equalto', 'a') | map(attribute='f.name') | join(',') }}", { tools }, 'y');
  });

  it('default, indent, items, dictsort, replace, int', () => {
    same('{{ missing | default("d") }}{{ "" | default("e", true) }}{{ "" | default("f") }}', {}, 'de');
    same('{{ "a\\nb\\n\\nc" | indent(2) }}|{{ "a\\nb" | indent(2, true) }}', {}, 'a\n  b\n\n  c|  a\n  b');
    same('{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}', { d: { b: 2, a: 1 } }, 'a1b2');
    same('{{ "a-b-c" | replace("-", "_") }}{{ "42" | int + 1 }}', {}, 'a_b_c43');
  });
});

describe('whitespace, blocks, globals', () => {
  it('trim_blocks / lstrip_blocks as transformers sets them, and {%- -%} markers', () => {
    const src = '{% for m in messages %}\n    {% if m.role == "user" %}\n  <{{ m.content }}>\n    {%- endif %}\n{%- endfor %}\n{# comment #}\nend  {{- " x " -}}  !\n';
    same(src, { messages }, '  <hi>end x !');
  });

  it('{% generation %} renders its body only', () => {
    same('a {% generation %}b{% endgeneration %} c', {}, 'a b c');
  });

  it('macros', () => {
    same('{% macro tag(x, y="!") %}<{{ x }}{{ y }}>{% endmacro %}{{ tag(1) }}{{ tag(2, y="?") }}', {}, '<1!><2?>');
  });

  it('raise_exception and strftime_now', () => {
    const src = '{% if messages | length == 0 %}{{ raise_exception("no messages") }}{% endif %}';
    expect(() => render('jinja', src, {})).toThrow(/no messages/);
    expect(() => render('nunjucks', src, {})).toThrow(/no messages/);
    same('{{ strftime_now("%Y-%m-%d %B") | length > 10 }}', {}, 'true');
  });

  it('is confined: no global prototype or nunjucks module object is changed', () => {
    render('nunjucks', '{{ "a".startswith("a") }}{{ xs[1:] }}', { xs });
    expect('startswith' in String.prototype).toBe(false);
    expect((nunjucks as unknown as { runtime: Record<string, unknown> }).runtime.jxTruthy).toBeUndefined();
    // A plain nunjucks environment still lacks the Jinja syntax the layer adds.
    expect(() => new nunjucks.Environment().renderString('{{ xs[1:] }}', { xs })).toThrow();
  });
});
