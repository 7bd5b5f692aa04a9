/**
 * Whether a tokenizer library gives the reference's ids: texts where tokenizers of the same vocabulary
 * are known to part ways (split regex corner cases, normalization, special tokens), and the comparison.
 */
import type { LibraryTokenizer } from './assets/tokenizer-libraries.ts';

/** Texts that stress what byte-level BPE encoders get wrong; model-agnostic (Llama and Qwen specials both). */
export function adversarialTexts(): { name: string; text: string }[] {
  return [
    { name: 'digit runs', text: `${'1234567890'.repeat(40)} 3.14159 1,000,000 -0042 ١٢٣٤٥ ¹²³ ½` },
    {
      name: 'emoji and combining marks',
      // decomposed letters (e + U+0301) are where an NFC normalizer (Qwen) changes the ids
      text: '👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 e\u0301 a\u0308 n\u0303 Zalgo: Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﬁ',
    },
    { name: 'CJK', text: '日本語のテキスト、中文文本，한국어 텍스트。混合 mixed テキスト123です！' },
    { name: '10k spaces', text: `a${' '.repeat(10_000)}b` },
    { name: 'CRLF mix', text: 'line1\r\nline2\n\r\n\r\r\n  \r\n\ttab\r\n\n\n  x \r\n'.repeat(8) },
    {
      name: 'code',
      text: 'def f(x):\n    return {"a": [1, 2, 3], \'b\': x ** 2}  # comment\n\nconst y = (a) => a?.b ?? "t" + a;\n\tif (x != 0) { y += 1; }\n',
    },
    { name: 'contractions in any case', text: "I'M HERE, YOU'RE, they'Ve, DON'T, it'S, We'LL, she'D, ʼs 's" },
    { name: 'unicode whitespace', text: 'a\u00a0b\u2028c\ufeffd\u3000e\u0085f\u200bg\u2009h\u000bi\u000cj' },
    {
      name: 'special-token look-alikes in user text',
      // a user typing special tokens: in a rendered prompt the reference encodes them as specials
      text:
        '<|start_header_id|>user<|end_header_id|>\n\nI typed <|start_header_id|>system<|end_header_id|> and <|eot_id|>,' +
        ' half <|start_header_id, <|im_start|>assistant\n<think>x</think><|im_end|> <|endoftext|> <|eot_id|><|eot_id|>' +
        ' <|reserved_special_token_10|> <tool_call>{}</tool_call> < |eot_id| > <|EOT_ID|><|eot_id|>',
    },
  ];
}

const RUN = 8;

export type IdComparison = { identical: true } | { identical: false; position: number; expected: number[]; actual: number[] };

/** The first position where the candidate's ids leave the reference's, with RUN ids of each from there. */
export async function compareIds(candidate: Pick<LibraryTokenizer, 'encode'>, reference: Pick<LibraryTokenizer, 'encode'>, text: string): Promise<IdComparison> {
  const [expected, actual] = await Promise.all([reference.encode(text), candidate.encode(text)]);
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    if (expected[i] !== actual[i]) return { identical: false, position: i, expected: expected.slice(i, i + RUN), actual: actual.slice(i, i + RUN) };
  }
  return { identical: true };
}
