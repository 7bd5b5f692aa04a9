/**
 * Untrusted templates: the attack corpus against both engines, judged by side effects (a global, a file,
 * a shell), and the bounds that turn a process-killing render into an error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPayload } from '../common/templates/attack-check.ts';
import { ATTACK_PAYLOADS } from '../common/templates/attack-corpus.ts';
import { runAttackCorpus } from '../common/templates/attack-isolated.ts';
import { ENGINES, compileTemplate } from '../common/templates/engines.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../common/templates/render-limits.ts';

const LIMITS: RenderLimits = { ...DEFAULT_RENDER_LIMITS, maxMs: 250 };
const markerDir = mkdtempSync(join(tmpdir(), 'prepbench-sandbox-test-'));
afterAll(() => rmSync(markerDir, { recursive: true, force: true }));

const CTX = { messages: [{ role: 'user', content: 'hi' }], add_generation_prompt: false, bos_token: '', eos_token: '' };
const render = (engine: 'jinja' | 'nunjucks', source: string) => compileTemplate(engine, source, LIMITS).render(CTX);

describe('the reported compile-time injection', () => {
  const source = String.raw`{{ x\ ~ ")));}catch(e){}}globalThis.PWNED=process.getBuiltinModule('child_process').execSync('id').toString();function z(){try{//" }}`;

  it('is refused by nunjucks at compile time, naming the name and its position, and sets nothing', () => {
    expect(() => compileTemplate('nunjucks', source)).toThrow('invalid name "x\\\\" at line 1, column 4');
    expect((globalThis as { PWNED?: unknown }).PWNED).toBeUndefined();
  });
});

describe('the corpus', () => {
  it('holds at least 50 payloads of every kind, with unique ids', () => {
    expect(ATTACK_PAYLOADS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(ATTACK_PAYLOADS.map((p) => p.id)).size).toBe(ATTACK_PAYLOADS.length);
    expect(new Set(ATTACK_PAYLOADS.map((p) => p.kind))).toEqual(new Set(['code-injection', 'runtime-escape', 'prototype-leak', 'template-loading', 'resource-exhaustion']));
  });

  it('would see a payload that runs: an unsandboxed template engine fails the check', () => {
    // The checker's own witness: nunjucks without the layer runs range.constructor's code at render time.
    const payload = ATTACK_PAYLOADS.find((p) => p.id === 'range-constructor')!;
    const global = globalThis as { PREPBENCH_PWNED?: unknown; PREPBENCH_MARKER?: string };
    global.PREPBENCH_MARKER = join(markerDir, 'witness');
    new nunjucks.Template(payload.source).render({});
    expect(global.PREPBENCH_PWNED).toBe(1);
    expect(readFileSync(global.PREPBENCH_MARKER, 'utf8')).toBe('pwned');
    delete global.PREPBENCH_PWNED;
    delete global.PREPBENCH_MARKER;
  });
});

// Payloads that cannot exhaust anything run in this process; the resource-exhaustion ones in a child.
const inProcess = ATTACK_PAYLOADS.filter((p) => p.kind !== 'resource-exhaustion');
describe.each(ENGINES)('%s blocks', (engine) => {
  it.each(inProcess.map((p) => [p.id, p] as const))('%s', (_id, payload) => {
    const outcome = checkPayload(engine, payload, LIMITS, markerDir);
    expect(outcome, `${outcome.how}: ${outcome.detail}`).toMatchObject({ blocked: true });
  });
});

describe('resource exhaustion, in a child process with a 1 GB heap', () => {
  const exhaustion = ATTACK_PAYLOADS.filter((p) => p.kind === 'resource-exhaustion');

  it('every payload ends in an error in both engines, and the child survives each', async () => {
    const outcomes = await runAttackCorpus(ENGINES, LIMITS, exhaustion.map((p) => p.id));
    expect(outcomes).toHaveLength(exhaustion.length * ENGINES.length);
    expect(outcomes.filter((o) => !o.blocked).map((o) => `${o.engine} ${o.id}: ${o.how} ${o.detail}`)).toEqual([]);
    const range = outcomes.filter((o) => o.id === 'range-1e9');
    expect(range.map((o) => o.detail)).toEqual(ENGINES.map(() => expect.stringContaining('range too big: 1000000000 items; the sandbox allows 100000')));
  }, 120_000);

  it('a payload that does end its process is recorded as such, and the rest still run', async () => {
    // Lift the range cap so range(10**9) reaches V8's fatal "invalid size error".
    const outcomes = await runAttackCorpus(['jinja'], { ...LIMITS, maxRange: 2e9 }, ['range-1e9', 'string-repeat']);
    expect(outcomes.map((o) => [o.id, o.blocked])).toEqual([
      ['range-1e9', false],
      ['string-repeat', true],
    ]);
    expect(outcomes[0].how).toMatch(/^ended the process \((signal SIG\w+|exit code \d+)/);
  }, 120_000);
});

describe('bounds and Jinja2 parity', () => {
  it('range is capped at 100000 items in both engines, as Jinja2 caps it', () => {
    for (const engine of ENGINES) {
      expect(render(engine, '{{ range(100000) | length }}')).toBe('100000');
      expect(() => render(engine, '{{ range(100001) | length }}')).toThrow('range too big: 100001 items');
    }
  });

  it('a runaway loop ends with a time-limit error', () => {
    for (const engine of ENGINES) {
      expect(() => render(engine, '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}')).toThrow('render took longer than 250 ms');
    }
  });

  it('nunjucks repeats strings and lists as Jinja2 does, and negates twice', () => {
    expect(render('nunjucks', "{{ 'ab' * 3 }}|{{ 3 * 'ab' }}|{{ ([1, 2] * 2) | join(',') }}|{{ 'ab' * 0 }}")).toBe('ababab|ababab|1,2,1,2|');
    expect(render('nunjucks', '{{ - -1 }}|{{ -(2 - 5) }}|{{ + -3 }}')).toBe('1|3|-3');
  });

  it('a dict literal keeps a __proto__ key, as the reference does', () => {
    const source = '{{ {"__proto__": {"a": 1}, "b": 2} | tojson }}';
    expect(render('jinja', source)).toBe('{"__proto__": {"a": 1}, "b": 2}');
    expect(render('nunjucks', source)).toBe(render('jinja', source));
  });

  it('inherited names resolve to nothing in nunjucks, as in the reference', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(render('nunjucks', `[{{ ${name} }}]`)).toBe('[]');
      expect(render('jinja', `[{{ ${name} }}]`)).toBe('[]');
    }
  });

  it('refuses tags that load templates, naming the tag', () => {
    expect(() => render('nunjucks', '{% include "a.html" %}')).toThrow('{% include %} is not allowed in a chat template (line 1, column 4)');
    expect(() => render('nunjucks', 'x\n{% extends "a.html" %}')).toThrow('{% extends %} is not allowed in a chat template (line 2, column 4)');
  });
});
