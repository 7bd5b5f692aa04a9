import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { generateChat } from '../common/text/data.ts';
import { createPreprocessor } from '../common/measure/pipeline.ts';

describe('token-id parity: @huggingface/tokenizers (js) vs tokenizers (native)', () => {
  for (const template of ['llama3.1', 'qwen3']) {
    it(`${template}: identical ids on a rendered multi-turn prompt with special tokens`, async () => {
      const js = await createPreprocessor({ template, engine: 'jinja', tokenizer: 'js' });
      const native = await createPreprocessor({ template, engine: 'jinja', tokenizer: 'native' });
      const counter = { encode: js.tokenizer.encodeSync!, decode: js.tokenizer.decode };
      const chat = generateChat({ seed: 11, turns: 6, totalTokens: 800, system: true }, counter);
      const prompt = js.render(chat);
      const a = await js.tokenize(prompt);
      const b = await native.tokenize(prompt);
      expect(a.length).toBeGreaterThan(800);
      expect(b).toEqual(a);
      // Special tokens are recognised as single ids, not spelled out.
      const special = template === 'qwen3' ? '<|im_start|>' : '<|start_header_id|>';
      const [specialId] = await js.tokenize(special);
      expect(await js.tokenize(special)).toHaveLength(1);
      expect(a).toContain(specialId);
    });
  }

  it('gives identical ids on unicode, code and whitespace edge cases', async () => {
    const js = loadTokenizer('llama3.1', 'js');
    const native = loadTokenizer('llama3.1', 'native');
    for (const text of ['héllo wörld 你好 🚀', '  leading and trailing  ', 'def f(x):\n\treturn x**2\n', '']) {
      expect(await native.encode(text)).toEqual(await js.encode(text));
    }
  });
});
