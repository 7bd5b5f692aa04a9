/**
 * The suite's own templates (llama3.1, llama3.1-full, qwen3, deepseek-v3, gemma3): nunjucks through the
 * compatibility layer renders exactly what @huggingface/jinja renders, on plain chats, `<think>`
 * reasoning, tool calls and generation-prompt variants; two prompts are also checked against text
 * written out here (verified with Python's Jinja2).
 */
import { describe, expect, it } from 'vitest';
import { TEMPLATE_VARIANTS, getTemplateVariant, specialTokens } from '../common/assets/models.ts';
import { FIXED_DATE_STRING } from '../common/measure/pipeline.ts';
import { compileTemplate, type TemplateContext } from '../common/templates/engines.ts';
import { outcome } from './template-errors.ts';

const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
const CHATS: Record<string, Partial<TemplateContext>> = {
  'one user turn': { messages: [{ role: 'user', content: 'Hi' }] },
  'system + turns': { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'A joke?' }] },
  'think block': { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '<think>\nhmm\n</think>\n\nHello!' }, { role: 'user', content: 'More' }] },
  'tool call': {
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', name: 'get_weather', tool_call_id: 'c1', content: '{"t": 21}' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: TOOLS,
  },
  'no generation prompt': { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }], add_generation_prompt: false },
};


describe.each(TEMPLATE_VARIANTS.map((v) => v.id))('%s: nunjucks renders identically to @huggingface/jinja', (id) => {
  it.each(Object.keys(CHATS))('%s', async (chat) => {
    const variant = getTemplateVariant(id);
    const source = await variant.load();
    const ctx = { add_generation_prompt: true, ...specialTokens(variant.model), date_string: FIXED_DATE_STRING, ...CHATS[chat] } as TemplateContext;
    const reference = outcome(() => compileTemplate('jinja', source).render(ctx));
    // Gemma 3 refuses tool messages: then both engines must refuse, for the same reason.
    expect(outcome(() => compileTemplate('nunjucks', source).render(ctx))).toEqual(reference);
    if (id === 'gemma3' && chat === 'tool call') expect(reference).toEqual({ error: 'Conversation roles must alternate user/assistant/user/assistant/...' });
    else expect(reference).toHaveProperty('ok');
  });
});

describe('checked-in prompts', () => {
  const ctx = (model: string) => ({
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: '<think>\nplan\n</think>\n\nHello!' }, { role: 'user', content: 'Bye' }],
    add_generation_prompt: true,
    ...specialTokens(model),
  });
  const EXPECTED: Record<string, string> = {
    'llama3.1':
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n<think>\nplan\n</think>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n',
    // Qwen3 drops the reasoning of earlier assistant turns: `content.split('</think>')[-1].lstrip('\n')`.
    qwen3: '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n',
  };
  it.each(Object.keys(EXPECTED))('%s', async (id) => {
    const variant = getTemplateVariant(id);
    const source = await variant.load();
    for (const engine of ['jinja', 'nunjucks'] as const) expect(compileTemplate(engine, source).render(ctx(variant.model)), engine).toBe(EXPECTED[id]);
  });
});
