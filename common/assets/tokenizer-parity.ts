/**
 * Whether a tokenizer library gives the reference's ids: texts where tokenizers of the same vocabulary
 * are known to part ways (split regex corner cases, normalization, special tokens), pathological inputs
 * whose encode time or memory can explode (long runs without spaces, repeated characters), and the comparison.
 */
import type { LibraryTokenizer } from './tokenizer-libraries.ts';
import { createRng } from '../stats/rng.ts';

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
    { name: 'CRLF mix', text: 'line1\r\nline2\n\r\n\r\r\n  \r\n\ttab\r\n\n\n  x \r\n'.repeat(8) },
    {
      // not 'code': that names the kind of text experiment 10 also checks ids on
      name: 'code snippet',
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

export interface PathologicalInput {
  /** The family: its sizes are compared for growth. */
  kind: string;
  /** Characters (code points) in the run. */
  chars: number;
  /** e.g. "letters 100k". */
  name: string;
  text: string;
}

/**
 * Pathological inputs, families of runs whose sizes grow 10–10,000×: a library whose encode time per
 * character grows with the size is super-linear there. A run without spaces reaches the BPE merge loop
 * as one pre-tokenized piece. The smallest sizes (100 characters; 1k spaces) give each family a base
 * where even a quadratic merge loop costs little.
 * - letters: seeded random a–z (a pasted hash or identifier; never-seen words, so no cache helps).
 * - CJK run: 日 repeated (3-byte characters the Split regex keeps in one piece).
 * - spaces: `a`, the spaces, `b` (one whitespace piece).
 * - emoji: 🙂 repeated (4 bytes each, one piece).
 * Quick mode leaves out the CJK run and emoji ×10k.
 */
export function pathologicalInputs(quick: boolean): PathologicalInput[] {
  const families: { kind: string; sizes: number[]; make: (n: number) => string }[] = [
    { kind: 'letters', sizes: [100, 1_000, 100_000, 1_000_000], make: randomLetters },
    ...(quick ? [] : [{ kind: 'CJK run', sizes: [100, 1_000, 100_000, 1_000_000], make: (n: number) => '日'.repeat(n) }]),
    { kind: 'spaces', sizes: [1_000, 10_000, 100_000], make: (n) => `a${' '.repeat(n)}b` },
    { kind: 'emoji', sizes: quick ? [100, 1_000] : [100, 1_000, 10_000], make: (n) => '🙂'.repeat(n) },
  ];
  const inputs = families.flatMap(({ kind, sizes, make }) => sizes.map((chars) => ({ kind, chars, name: `${kind} ${sizeText(chars)}`, text: make(chars) })));
  // Smallest first: a library that runs out of budget has left its larger inputs for last.
  return inputs.sort((a, b) => a.chars - b.chars);
}

const sizeText = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n));

function randomLetters(n: number): string {
  const rng = createRng(10);
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = 97 + Math.floor(rng() * 26);
  return Buffer.from(bytes).toString('latin1');
}

const RUN = 8;

export type IdComparison = { identical: true } | { identical: false; position: number; expected: number[]; actual: number[] };

/** The first position where the candidate's ids leave the reference's, with RUN ids of each from there. */
export async function compareIds(candidate: Pick<LibraryTokenizer, 'encode'>, reference: Pick<LibraryTokenizer, 'encode'>, text: string): Promise<IdComparison> {
  const [expected, actual] = await Promise.all([reference.encode(text), candidate.encode(text)]);
  return firstDifference(expected, actual);
}

/** "differs at token 517 (of text 3/8): expected …, got …": where a comparison found the ids leave the reference's. */
export function idsDifferenceText(d: Extract<IdComparison, { identical: false }>, where?: string): string {
  return `differs at token ${d.position}${where ? ` of ${where}` : ''}: expected ${d.expected.join(' ')}, got ${d.actual.join(' ')}`;
}

/** compareIds of ids already encoded (e.g. in a child process). */
export function firstDifference(expected: ArrayLike<number>, actual: ArrayLike<number>): IdComparison {
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    if (expected[i] !== actual[i]) return { identical: false, position: i, expected: runAt(expected, i), actual: runAt(actual, i) };
  }
  return { identical: true };
}

const runAt = (ids: ArrayLike<number>, i: number): number[] => Array.from({ length: Math.max(0, Math.min(RUN, ids.length - i)) }, (_, k) => ids[i + k]);
