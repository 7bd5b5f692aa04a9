import { beforeAll, describe, expect, it } from 'vitest';
import { CorpusError, QUICK_CORPUS, buildCorpus, loadCorpus, type CorpusTemplate } from '../common/assets/corpus.ts';
import { QUICK_PLAN } from '../common/measure/timing.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { recordOf } from '../common/results/results.ts';
import corpusExperiment, { compatStatusOf, conversations, judge, measureTemplate, renderAll, type Conversation, type Rendered } from '../experiments/preprocessing/08-corpus.ts';
import { corpusReportSection } from '../suites/preprocessing/corpus-report.ts';
import { describeText } from '../common/text/sources.ts';
import { tempDir } from './helpers.ts';
import { compileTemplate, describeDifference } from '../common/templates/engines.ts';
import { jinja2Available, renderWithJinja2 } from '../common/templates/jinja2-arbiter.ts';
import { failureReason, outcome } from './template-errors.ts';

let corpus: CorpusTemplate[];

beforeAll(async () => {
  corpus = await loadCorpus();
});

const options = {
  quick: true, seed: 3, suites: { preprocessing: { models: ['llama3.1'], engines: ['jinja', 'nunjucks'], strategies: ['main'], text: describeText('mixed') } }, plan: QUICK_PLAN,
  runDir: '', signal: new AbortController().signal, progress: () => {},
};

describe('template corpus loader', () => {
  it('loads ~97 real templates with unique ids, and the quick subset exists', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(90);
    expect(new Set(corpus.map((t) => t.id)).size).toBe(corpus.length);
    const ids = new Set(corpus.map((t) => t.id));
    expect(QUICK_CORPUS.length).toBeGreaterThanOrEqual(15);
    for (const id of QUICK_CORPUS) expect(ids.has(id), id).toBe(true);
    expect(new Set(QUICK_CORPUS.map((id) => corpus.find((t) => t.id === id)!.family)).size).toBeGreaterThanOrEqual(10);
  });

  it('rejects a broken entry with an error naming it', () => {
    expect(() => buildCorpus([{ model: 'library/good:1b', gguf: '{{ x }}' }, { model: 'library/broken:7b', gguf: '' }])).toThrow(CorpusError);
    expect(() => buildCorpus([{ model: 'library/broken:7b', gguf: '' }])).toThrow(/corpus entry library\/broken:7b: missing or empty "gguf"/);
    expect(() => buildCorpus([{ gguf: '{{ x }}' }])).toThrow(/corpus entry #0: missing "model"/);
    expect(() => buildCorpus([{ model: 'library/plain:1b', gguf: 'no tags here' }])).toThrow(/library\/plain:1b: "gguf" has no Jinja tags/);
  });

  it('numbers repeated model names instead of dropping them', () => {
    const c = buildCorpus([{ model: 'library/qwq:32b', gguf: '{{ a }}' }, { model: 'library/qwq:32b', gguf: '{{ b }}' }]);
    expect(c.map((t) => t.id)).toEqual(['qwq:32b', 'qwq:32b#2']);
  });
});

describe('the survey\'s chats', () => {
  it('are generated once and shared by every template, and no template\'s render changes them', () => {
    const [first, second] = corpus.filter((t) => QUICK_CORPUS.includes(t.id as (typeof QUICK_CORPUS)[number]));
    const a = conversations(first, 7, true);
    const b = conversations(second, 7, true);
    expect(b.map((c) => c.context.messages)).toEqual(a.map((c) => c.context.messages));
    expect(b[0].context.messages).toBe(a[0].context.messages);
    const before = JSON.stringify(a.map((c) => c.context.messages));
    for (const t of corpus) for (const engine of ['jinja', 'nunjucks'] as const) renderAll(engine, t.source, conversations(t, 7, true));
    expect(JSON.stringify(conversations(first, 7, true).map((c) => c.context.messages))).toBe(before);
  });
});

describe('corpus statuses are computed by rendering', () => {
  const synthetic = (source: string) => buildCorpus([{ model: 'library/synthetic:1b', gguf: source }])[0];

  it('ok when both engines render the same string', async () => {
    const rows = await measureTemplate(synthetic('{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}'), options);
    const compat = rows.filter((r) => r.metric === 'compat');
    expect(compat.map(compatStatusOf)).toEqual(['ok', 'ok']);
    expect(rows.filter((r) => r.metric === 'render' && r.params?.engine === 'nunjucks').map((r) => r.params?.turns)).toEqual([1, 10, 100]);
  });

  it('judges differs with the first difference, error with the message, ok only when identical', () => {
    const names = ['1 turns', '10 turns'];
    const ref = [{ ok: 'abc' }, { ok: 'hello world' }];
    expect(judge(false, [{ ok: 'abc' }, { ok: 'hello world' }], ref, names)).toEqual({ status: 'ok', detail: '' });
    const d = judge(false, [{ ok: 'abc' }, { ok: 'hello there' }], ref, names);
    expect(d.status).toBe('differs');
    expect(d.at).toBe(1);
    expect(d.detail).toMatch(/^10 turns: differs at char 6/);
    expect(judge(false, [{ error: 'boom' }, { ok: 'hello world' }], ref, names)).toEqual({ status: 'error', detail: '1 turns: boom', at: 0 });
    expect(judge(false, [{ ok: 'x' }], [{ error: 'ref failed' }], ['1 turns']).status).toBe('error');
    expect(judge(true, [{ ok: 'anything' }], [{ ok: 'anything' }], ['1 turns']).status).toBe('ok');
  });

  it('error when an engine cannot parse the template', async () => {
    const rows = await measureTemplate(synthetic('{{ messages[0].content }}{% set x = {"a": 1}.get("a") if true else 2 %}{{ x }}'), options);
    const [jinja] = rows.filter((r) => r.metric === 'compat');
    expect(compatStatusOf(jinja)).toBe('ok');
    const broken = await measureTemplate(synthetic('{{ messages[0].content }}{% if %}'), options);
    expect(broken.filter((r) => r.metric === 'compat').map(compatStatusOf)).toEqual(['error', 'error']);
    expect(broken.some((r) => r.metric === 'render')).toBe(false);
  });
});

describe("experiment 8's corpus.csv and report section", () => {
  it('writes corpus.csv from the rows (no state kept from matrix: a merge has none) and shows it in report.html', async () => {
    // A small real template, measured by run() on the point matrix() builds (the template travels in the point).
    const points = await corpusExperiment.matrix(options);
    const point = points.find((p) => p.id === 'phi3:3.8b')!;
    expect(point.template?.source).toBeTruthy();
    const coordinates = corpusExperiment.coordinates(point);
    const rows = (await corpusExperiment.run(point, options)).map((r) => ({ ...r, params: { ...coordinates, ...r.params } }));
    expect(rows.every((r) => Object.keys(r.params).every((k) => corpusExperiment.params.includes(k)))).toBe(true);
    const runDir = tempDir();
    await corpusExperiment.writeFiles!(rows.map((r) => recordOf(r, { run_id: 'r', suite: 'preprocessing', experiment: 8 }, corpusExperiment.params)), { ...options, runDir });
    const [line] = parse(readFileSync(join(runDir, 'corpus.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(line).toMatchObject({ template: 'phi3:3.8b', family: 'phi', chars: String(point.template!.chars), jinja_status: 'ok', nunjucks_status: 'ok' });
    expect(Number(line.nunjucks_median_ms_100)).toBeGreaterThan(0);
    const section = corpusReportSection(runDir)!;
    expect(section).toContain('<h3>Template compatibility (corpus.csv)</h3>');
    expect(section).toContain('<code>phi3:3.8b</code>');
    expect(corpusExperiment.reportSection).toBe(corpusReportSection);
  });

  it('no section when the run has no corpus.csv', () => {
    const runDir = tempDir();
    expect(existsSync(join(runDir, 'corpus.csv'))).toBe(false);
    expect(corpusReportSection(runDir)).toBeUndefined();
  });

  it('the section escapes what corpus.csv holds', () => {
    const runDir = tempDir();
    writeFileSync(join(runDir, 'corpus.csv'), 'template,family,chars,control_blocks,supports_tools,jinja_status,jinja_detail,jinja_median_ms_1,note\n"<b>x</b>",f,1,0,no,error,"a ""quote"" & <tag>",,\n');
    const section = corpusReportSection(runDir)!;
    expect(section).toContain('<code>&lt;b&gt;x&lt;/b&gt;</code>');
    expect(section).toContain('title="a &quot;quote&quot; &amp; &lt;tag&gt;"');
    expect(section).not.toContain('<tag>');
  });
});

/** Experiment 8's conversations and reference prompts (1, 10, 100 turns; a tool call where the template
 * mentions tools; without the system message when the template rejects one, as experiment 8 does). */
function referenceRendering(t: CorpusTemplate): { convs: Conversation[]; reference: Rendered[] } {
  const convs = conversations(t, 3, true);
  const reference = renderAll('jinja', t.source, convs).outputs;
  if ('ok' in reference[0]) return { convs, reference };
  const retry = conversations(t, 3, false);
  const again = renderAll('jinja', t.source, retry).outputs;
  return 'ok' in again[0] ? { convs: retry, reference: again } : { convs, reference };
}

describe('pinned corpus parity: both engines render these real templates to the same prompt', () => {
  // One or more per family and per compatibility feature: slices and negative indexes (qwen3, qwq#2),
  // namespaces (llama3.1, deepseek-v3, granite), tojson indent (llama3.1, granite3-dense), for-if
  // (exaone-deep), `{% generation %}` (phi4-reasoning), nested dict literals (granite3-guardian),
  // Python string methods (nemotron-mini, openchat, llama-guard3), tool calls (qwen2.5, command-r).
  const PINNED = [
    'llama3:8b', 'llama3.1:8b', 'llama3.2:3b', 'qwen3:0.6b', 'qwq:32b#2', 'qwen2.5:0.5b', 'deepseek-v3:671b', 'deepseek-r1:8b',
    'gemma3:1b', 'granite3.2:8b', 'granite3-dense:2b', 'granite3-guardian:2b', 'exaone-deep:2.4b', 'phi4-reasoning:14b',
    'nemotron-mini:4b', 'openchat:7b', 'llama-guard3:8b', 'command-r:35b', 'mistral-small:24b', 'phi3:3.8b', 'olmo2:7b', 'smollm2:135m',
  ];
  it.each(PINNED)('%s', (id) => {
    const t = corpus.find((c) => c.id === id)!;
    const { convs, reference } = referenceRendering(t);
    const names = convs.map((c) => c.name);
    expect(judge(true, reference, reference, names).status, 'the reference renders every conversation').toBe('ok');
    // Each prompt carries its conversation's last message: the comparison is about real prompts.
    reference.forEach((o, i) => expect('ok' in o && o.ok.includes(String(convs[i].context.messages.at(-1)!.content).slice(0, 20)), names[i]).toBe(true));
    expect(judge(false, renderAll('nunjucks', t.source, convs).outputs, reference, names)).toEqual({ status: 'ok', detail: '' });
  });
});

describe('whole corpus, computed: nunjucks is identical wherever @huggingface/jinja renders', () => {
  // Computed once with experiment 8's conversations (seed 3) and written in; docs/jinja-compat.md "The template corpus"
  // states the same 89 of 97.
  const RENDERS = [
    'aya-expanse:8b', 'aya:35b', 'cogito:14b', 'cogito:3b', 'command-r-plus:104b', 'command-r:35b', 'dbrx:132b', 'deepcoder:14b',
    'deepseek-coder-v2:16b', 'deepseek-coder:1.3b', 'deepseek-r1:8b', 'deepseek-r1:latest', 'deepseek-v2.5:236b', 'deepseek-v3:671b',
    'deepseek-v3.1:latest', 'devstral:latest', 'dolphin-llama3:8b', 'dolphin-mixtral:8x7b', 'dolphin-phi:2.7b', 'exaone-deep:2.4b',
    'exaone-deep:32b', 'exaone3.5:7.8b', 'falcon2:11b', 'gemma2:2b', 'gemma3:1b', 'gemma3:270m', 'glm4:9b', 'granite-code:3b',
    'granite3-dense:2b', 'granite3-guardian:2b', 'granite3.1-moe:1b', 'granite3.2-vision:2b', 'granite3.2:8b', 'granite3.3:2b',
    'granite4:350m', 'granite4:latest', 'hermes3:70b', 'internlm2:1.8b', 'llama-guard3:8b', 'llama-pro:latest', 'llama2:7b', 'llama3:8b',
    'llama3.1:8b', 'llama3.2:3b', 'llama4:latest', 'llava-phi3:3.8b', 'llava:34b', 'llava:7b', 'marco-o1:7b', 'mistral-large:123b',
    'mistral-small:24b', 'mistral:7b-instruct-fp16', 'mixtral:8x22b', 'mixtral:8x7b', 'nemotron-mini:4b', 'nemotron:70b',
    'nous-hermes2-mixtral:8x7b', 'nuextract:3.8b', 'olmo2:7b', 'openchat:7b', 'opencoder:8b', 'phi3:14b', 'phi3:3.8b', 'phi3.5:3.8b',
    'phi4-mini-reasoning:3.8b', 'phi4-mini:3.8b', 'phi4-reasoning:14b', 'phi4:14b', 'qwen:0.5b', 'qwen2:0.5b', 'qwen2.5-coder:1.5b',
    'qwen2.5:0.5b', 'qwen2.5vl:latest', 'qwen3-next:80b', 'qwen3:0.6b', 'qwq:32b', 'qwq:32b#2', 'qwq:32b#3', 'r1-1776:671b',
    'rnj-1:latest', 'sailor2:1b', 'shieldgemma:27b', 'smallthinker:3b', 'smollm2:135m', 'stable-code:3b', 'tinyllama:1.1b', 'tulu3:70b',
    'yi-coder:1.5b', 'yi:6b',
  ];
  // The reference's first failing conversation and its reason (see the table in docs/jinja-compat.md).
  const REFERENCE_FAILS: Record<string, string> = {
    'command-a:111b': 'tool call: Conversation roles must alternate user/assistant/user/assistant/...',
    'command-r7b-arabic:7b': 'tool call: Conversation roles must alternate user/assistant/user/assistant/...',
    'command-r7b:7b': 'tool call: Conversation roles must alternate user/assistant/user/assistant/...',
    'firefunction-v2:70b': '1 turns: Cannot perform operation + on undefined values',
    'llama-guard3:1b': '1 turns: Cannot apply filter "selectattr" to string',
    'llama3.2-vision:90b': '1 turns: Expected iterable or object type in for loop: got string',
    'llama3.2-vision:latest': '1 turns: Expected iterable or object type in for loop: got string',
    'qwen3-coder:30b': 'tool call: Cannot apply filter "reject" to list or dict',
  };
  // Where nunjucks does not fail as the reference does. qwen3-coder: neither has the `reject` filter (the
  // layer resolves filters from its own table only, never nunjucks' builtins), each says so in its own
  // words. llama3.2-vision: it loops over each message's `content` (a string
  // here); the reference refuses a `for` over a string, Python's Jinja2 iterates its characters and so
  // does the layer — its prompts are Python's (checked against Jinja2 below).
  const NUNJUCKS_FAILS_OTHERWISE: Record<string, string> = {
    'llama3.2-vision:90b': 'renders every conversation',
    'llama3.2-vision:latest': 'renders every conversation',
    'qwen3-coder:30b': 'tool call: filter not found: reject',
  };

  /** The first conversation that fails, with its failure reason; undefined when all render. */
  const firstFailure = (outputs: Rendered[], names: string[]) => {
    const i = outputs.findIndex((o) => 'error' in o);
    return i < 0 ? undefined : `${names[i]}: ${failureReason((outputs[i] as { error: string }).error)}`;
  };

  it('every template', () => {
    expect(RENDERS.length + Object.keys(REFERENCE_FAILS).length).toBe(97);
    const rendered: string[] = [];
    const referenceFails: Record<string, string> = {};
    const nunjucksFails: Record<string, string> = {};
    const failures: string[] = [];
    for (const t of corpus) {
      const { convs, reference } = referenceRendering(t);
      const names = convs.map((c) => c.name);
      const nunjucks = renderAll('nunjucks', t.source, convs).outputs;
      const refFailure = firstFailure(reference, names);
      if (refFailure === undefined) {
        rendered.push(t.id);
        const verdict = judge(false, nunjucks, reference, names);
        if (verdict.status !== 'ok') failures.push(`${t.id}: ${verdict.detail}`);
        continue;
      }
      referenceFails[t.id] = refFailure;
      nunjucksFails[t.id] = firstFailure(nunjucks, names) ?? 'renders every conversation';
      // Up to the failing conversation, nunjucks renders what the reference renders.
      const upTo = reference.findIndex((o) => 'error' in o);
      if (upTo > 0) {
        const before = judge(false, nunjucks.slice(0, upTo), reference.slice(0, upTo), names);
        if (before.status !== 'ok') failures.push(`${t.id}: ${before.detail}`);
      }
    }
    expect(rendered).toEqual(RENDERS);
    expect(rendered).toHaveLength(89);
    expect(failures).toEqual([]);
    expect(referenceFails).toEqual(REFERENCE_FAILS);
    // Nunjucks fails at the same conversation for the same reason, except where listed.
    expect(nunjucksFails).toEqual({ ...REFERENCE_FAILS, ...NUNJUCKS_FAILS_OTHERWISE });
  });
});

describe('whole corpus, varied message shapes: nunjucks renders what the reference renders, or fails where it fails', () => {
  const STRING_LOOP = ['llama3.2-vision:90b', 'llama3.2-vision:latest'];
  const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'W', parameters: { type: 'object', properties: { city: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' } }, required: ['city'] } } }];
  const call = (id: string, args: unknown) => ({ id, type: 'function', function: { name: 'get_weather', arguments: args } });
  const SHAPES: Record<string, Record<string, unknown>> = {
    'no generation prompt': { messages: [{ role: 'system', content: 'Sys é "q" \\ {x}' }, { role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }], add_generation_prompt: false },
    'reasoning in history': { messages: [{ role: 'user', content: 'u1' }, { role: 'assistant', content: '<think>\nr\n</think>\n\n  a1  ' }, { role: 'user', content: 'u2' }, { role: 'assistant', content: '<think>r2</think>a2' }] },
    'tools, no call': { messages: [{ role: 'user', content: 'u1' }], tools: TOOLS },
    'string arguments': { messages: [{ role: 'user', content: 'u1' }, { role: 'assistant', content: null, tool_calls: [call('c', '{"city": "a"}')] }, { role: 'tool', tool_call_id: 'c', name: 'get_weather', content: 'r' }], tools: TOOLS },
    'two calls': {
      messages: [{ role: 'user', content: 'u1' }, { role: 'assistant', content: 'ok', tool_calls: [call('c', { city: 'a' }), call('d', { city: 'b', n: 2 })] }, { role: 'tool', tool_call_id: 'c', name: 'get_weather', content: 'r1' }, { role: 'tool', tool_call_id: 'd', name: 'get_weather', content: 'r2' }, { role: 'user', content: 'u2' }],
      tools: TOOLS,
    },
    'content parts': { messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image' }] }] },
    'empty contents': { messages: [{ role: 'user', content: '' }, { role: 'assistant', content: '' }, { role: 'user', content: '   ' }] },
    'thinking off': { messages: [{ role: 'user', content: 'u1' }], enable_thinking: false },
    documents: { messages: [{ role: 'user', content: 'u1' }], documents: [{ title: 't', text: 'doc text' }] },
  };
  // Both fail, with different messages: in qwen3-coder neither engine has the `reject` filter (see the
  // whole-corpus test above); in
  // llama3.2-vision the reference refuses the `for` over the user's string `content` before reaching
  // what nunjucks (like Python) fails on — a none `content`, the template's single-call rule.
  const DIFFERENT_FAILURES = Object.fromEntries([
    ...['tools, no call', 'string arguments', 'two calls'].map((shape) => [`qwen3-coder:30b / ${shape}`, ['Cannot apply filter "reject" to list or dict', 'filter not found: reject']]),
    ...STRING_LOOP.flatMap((id) => [
      [`${id} / string arguments`, ['Expected iterable or object type in for loop: got string', 'Expected iterable or object type in for loop: got none']],
      [`${id} / two calls`, ['Expected iterable or object type in for loop: got string', 'This model only supports single tool-calls at once!']],
    ]),
  ]);
  // Only the reference fails: the `for` over a string `content` (see NUNJUCKS_FAILS_OTHERWISE above), in
  // every shape but 'content parts' (a list, which both iterate) and the two with different failures above.
  const STRING_LOOP_SHAPES = ['no generation prompt', 'reasoning in history', 'tools, no call', 'empty contents', 'thinking off', 'documents'];
  const REFERENCE_ONLY_FAILS = Object.fromEntries(
    STRING_LOOP.flatMap((id) => STRING_LOOP_SHAPES.map((shape) => [`${id} / ${shape}`, 'Expected iterable or object type in for loop: got string'])),
  );
  const context = (t: CorpusTemplate, extra: Record<string, unknown>) => ({ add_generation_prompt: true, bos_token: t.bos_token, eos_token: t.eos_token, ...extra }) as never;

  it('every template × every shape', () => {
    const failures: string[] = [];
    const differentFailures: Record<string, string[]> = {};
    const referenceOnlyFails: Record<string, string> = {};
    let bothFailed = 0;
    for (const t of corpus) {
      const [jinja, nunjucks] = [compileTemplate('jinja', t.source), compileTemplate('nunjucks', t.source)];
      for (const [shape, extra] of Object.entries(SHAPES)) {
        const ctx = context(t, extra);
        const [a, b] = [outcome(() => jinja.render(ctx)), outcome(() => nunjucks.render(ctx))];
        if ('error' in a && 'error' in b) {
          bothFailed++;
          if (a.error !== b.error) differentFailures[`${t.id} / ${shape}`] = [a.error, b.error];
        } else if ('error' in a && 'ok' in b) {
          referenceOnlyFails[`${t.id} / ${shape}`] = a.error;
        } else if (JSON.stringify(a) !== JSON.stringify(b)) {
          failures.push(`${t.id} / ${shape}: ${'ok' in a && 'ok' in b ? describeDifference(a.ok, b.ok) : JSON.stringify([a, b]).slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(differentFailures).toEqual(DIFFERENT_FAILURES);
    expect(referenceOnlyFails).toEqual(REFERENCE_ONLY_FAILS);
    // Computed once and written in: the refusals compared above are this many (template, shape) pairs.
    expect(bothFailed).toBe(150);
  });

  it.skipIf(!jinja2Available())('where only the reference fails (a `for` over a string), nunjucks renders what Python Jinja2 renders', () => {
    for (const id of STRING_LOOP) {
      const t = corpus.find((c) => c.id === id)!;
      const contexts = [...conversations(t, 3, true).map((c) => c.context), ...Object.values(SHAPES).map((extra) => context(t, extra))];
      const nunjucks = compileTemplate('nunjucks', t.source);
      const python = renderWithJinja2(t.source, contexts)!;
      contexts.forEach((ctx, i) => {
        const ours = outcome(() => nunjucks.render(ctx));
        // Failures are compared by kind only: Python words its errors its own way.
        expect('ok' in ours ? ours : 'error', `${id} #${i}`).toEqual('ok' in python[i] ? python[i] : 'error');
      });
    }
  });
});
