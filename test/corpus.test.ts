import { beforeAll, describe, expect, it } from 'vitest';
import { CorpusError, QUICK_CORPUS, buildCorpus, loadCorpus, type CorpusTemplate } from '../common/assets/corpus.ts';
import { QUICK_PLAN } from '../common/timing.ts';
import { compatStatusOf, conversations, judge, measureTemplate, renderAll, type Conversation, type Rendered } from '../experiments/08-corpus.ts';
import { compileTemplate, describeDifference } from '../common/templates/engines.ts';

let corpus: CorpusTemplate[];

beforeAll(async () => {
  corpus = await loadCorpus();
});

const options = {
  quick: true, seed: 3, models: ['llama3.1'], engines: ['jinja', 'nunjucks'], strategies: ['main'], plan: QUICK_PLAN,
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

describe('corpus statuses are computed by rendering', () => {
  const synthetic = (source: string) => buildCorpus([{ model: 'library/synthetic:1b', gguf: source }])[0];

  it('ok when both engines render the same string', async () => {
    const rows = await measureTemplate(synthetic('{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}'), options);
    const compat = rows.filter((r) => r.metric === 'compat');
    expect(compat.map(compatStatusOf)).toEqual(['ok', 'ok']);
    expect(rows.filter((r) => r.metric === 'render' && r.engine === 'nunjucks').map((r) => r.turns)).toEqual([1, 10, 100]);
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
  it('every template', () => {
    const failures: string[] = [];
    let rendered = 0;
    for (const t of corpus) {
      const { convs, reference } = referenceRendering(t);
      const names = convs.map((c) => c.name);
      if (judge(true, reference, reference, names).status !== 'ok') continue;
      rendered++;
      const verdict = judge(false, renderAll('nunjucks', t.source, convs).outputs, reference, names);
      if (verdict.status !== 'ok') failures.push(`${t.id}: ${verdict.detail}`);
    }
    expect(rendered).toBeGreaterThanOrEqual(80);
    expect(failures).toEqual([]);
  });
});

describe('whole corpus, varied message shapes: nunjucks renders what the reference renders, or fails where it fails', () => {
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
  const outcome = (render: () => string): { ok: string } | { error: true } => {
    try {
      return { ok: render() };
    } catch {
      return { error: true };
    }
  };
  it('every template × every shape', () => {
    const failures: string[] = [];
    for (const t of corpus) {
      const [jinja, nunjucks] = [compileTemplate('jinja', t.source), compileTemplate('nunjucks', t.source)];
      for (const [shape, extra] of Object.entries(SHAPES)) {
        const ctx = { add_generation_prompt: true, bos_token: t.bos_token, eos_token: t.eos_token, ...extra } as never;
        const [a, b] = [outcome(() => jinja.render(ctx)), outcome(() => nunjucks.render(ctx))];
        if (JSON.stringify(a) !== JSON.stringify(b)) failures.push(`${t.id} / ${shape}: ${'ok' in a && 'ok' in b ? describeDifference(a.ok, b.ok) : JSON.stringify([a, b]).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
