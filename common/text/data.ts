/**
 * Seeded synthetic chats. Content mixes prose, code and markdown lists (the three shapes that tokenize
 * differently). The number of messages is exact, and so is the total number of content tokens as
 * measured by the model's real tokenizer: each message is cut to its token budget by encoding,
 * slicing the ids, decoding and re-checking. Same seed + same tokenizer → byte-identical chats.
 */
import type { ChatMessage } from '../templates/engines.ts';
import { createRng, deriveSeed, intBetween, pick, type Rng } from '../stats/rng.ts';

/** Encodes without special tokens; must be deterministic. */
export interface TokenCounter {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

export interface ChatSpec {
  seed: number;
  /** Messages after the optional system prompt, alternating user/assistant, starting with user. */
  turns: number;
  /** Sum of content tokens over all messages, including the system prompt. */
  totalTokens: number;
  system?: boolean;
}

const WORDS = (
  'the model request server token batch queue latency throughput memory cache prompt template render ' +
  'user assistant answer question system context window history gateway worker thread process event loop ' +
  'measure sample median percentile result report chart value number string array object function class ' +
  'because while before after during across within between under over quickly carefully simply often ' +
  'data file stream buffer socket network compute kernel layer weight vector matrix attention decode encode ' +
  'small large fast slow clear honest simple stable noisy shared local remote real synthetic seeded'
).split(' ');

const IDENTS = ['items', 'count', 'total', 'queue', 'batch', 'tokens', 'result', 'index', 'value', 'cache', 'state', 'limit'];

function sentence(rng: Rng): string {
  const n = intBetween(rng, 6, 16);
  const words = Array.from({ length: n }, () => pick(rng, WORDS));
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return words.join(' ') + pick(rng, ['.', '.', '.', '?', '!']);
}

function prose(rng: Rng): string {
  return Array.from({ length: intBetween(rng, 2, 5) }, () => sentence(rng)).join(' ');
}

function code(rng: Rng): string {
  const a = pick(rng, IDENTS);
  const b = pick(rng, IDENTS);
  const n = intBetween(rng, 2, 64);
  return pick(rng, [
    `\`\`\`ts\nfunction ${a}Of(${b}: number[]): number {\n  let ${a} = 0;\n  for (const x of ${b}) ${a} += x * ${n};\n  return ${a};\n}\n\`\`\``,
    `\`\`\`python\ndef ${a}_of(${b}):\n    return sum(x * ${n} for x in ${b} if x > ${n % 7})\n\`\`\``,
    `\`\`\`js\nconst ${a} = ${b}.filter((x) => x % ${n} === 0).map((x) => x + 1);\nconsole.log(${a}.length);\n\`\`\``,
  ]);
}

function markdownList(rng: Rng): string {
  const items = Array.from({ length: intBetween(rng, 2, 5) }, () => `- **${pick(rng, WORDS)}**: ${sentence(rng)}`);
  return `${sentence(rng)}\n\n${items.join('\n')}`;
}

function contentPiece(rng: Rng): string {
  const r = rng();
  return r < 0.6 ? prose(rng) : r < 0.8 ? code(rng) : markdownList(rng);
}

/** Synthetic text of at least `chars` characters, no token count kept: for callers that need many passages fast. */
export function syntheticText(rng: Rng, chars: number): string {
  let text = '';
  while (text.length < chars) text += (text ? '\n\n' : '') + contentPiece(rng);
  return text;
}

/** Text of exactly `budget` tokens (after trimming whitespace at both ends, as templates often `| trim`). */
export function textOfTokens(rng: Rng, budget: number, counter: TokenCounter): string {
  if (budget < 1) throw new Error(`token budget must be ≥ 1, got ${budget}`);
  // Grow by pieces until a cheap estimate (≈3.5 characters per token) says there is enough, then check
  // with one real encode (re-encoding after every piece would be quadratic, and encodes dominate cost).
  let text = '';
  let full: number[] = [];
  let targetChars = budget * 3.5 * 1.1 + 16;
  while (full.length < budget + 2) {
    while (text.length < targetChars) {
      // Short messages are mostly single sentences: generating a paragraph to keep ten tokens is waste.
      const next = budget < 40 && rng() < 0.7 ? sentence(rng) : contentPiece(rng);
      text += (text ? (rng() < 0.5 ? ' ' : '\n\n') : '') + next;
    }
    full = counter.encode(text);
    // Short of tokens: grow in proportion to what is missing, so large budgets need few encodes.
    targetChars = text.length * ((budget + 2) / Math.max(1, full.length)) * 1.1 + 16;
  }
  // Cutting the id sequence lands within a token or two of the budget (re-tokenizing a cut can merge
  // or split at the edge); then drop whole words while too long and append one-token words while short.
  let candidate = counter.decode(full.slice(0, budget)).trim();
  let count = counter.encode(candidate).length;
  for (let guard = 0; count > budget && guard < 1000; guard++) {
    const cut = candidate.search(/\s\S*$/);
    candidate = cut > 0 ? candidate.slice(0, cut).trimEnd() : candidate.slice(0, -1);
    count = candidate.length === 0 ? 0 : counter.encode(candidate).length;
  }
  for (let guard = 0; count < budget && guard < 1000; guard++) {
    candidate = candidate.length === 0 ? pick(rng, FILLERS).trim() : candidate + pick(rng, FILLERS);
    count = counter.encode(candidate).length;
  }
  if (count !== budget) throw new Error(`could not cut text to exactly ${budget} tokens (got ${count})`);
  return candidate;
}

/** Common words that are a single token after a space in BPE vocabularies. */
const FILLERS = [' the', ' and', ' of', ' to', ' in'];

/** The roles of a chat's messages: the optional system prompt, then user and assistant in turn. Throws on an impossible spec. */
export function chatRoles(spec: ChatSpec): ('system' | 'user' | 'assistant')[] {
  const { turns, totalTokens, system = false } = spec;
  const slots = turns + (system ? 1 : 0);
  if (!Number.isInteger(turns) || turns < 1) throw new Error(`turns must be a positive integer, got ${turns}`);
  if (totalTokens < slots) throw new Error(`totalTokens (${totalTokens}) must be ≥ number of messages (${slots})`);
  return Array.from({ length: slots }, (_, i) => (system && i === 0 ? 'system' : (i - (system ? 1 : 0)) % 2 === 0 ? 'user' : 'assistant'));
}

export function generateChat(spec: ChatSpec, counter: TokenCounter): ChatMessage[] {
  const roles = chatRoles(spec);
  const base = Math.floor(spec.totalTokens / roles.length);
  const extra = spec.totalTokens - base * roles.length;
  return roles.map((role, i) => ({ role, content: textOfTokens(createRng(deriveSeed(spec.seed, i)), base + (i < extra ? 1 : 0), counter) }));
}

/** Total content tokens of a chat, as the counter sees them. */
export function countChatTokens(messages: ChatMessage[], counter: TokenCounter): number {
  return messages.reduce((sum, m) => sum + counter.encode(String(m.content)).length, 0);
}

/** A batch of distinct chats of the same shape (request i uses seed derived from (seed, i)), made by `chat`. */
export function generateBatch<S extends ChatSpec>(spec: S, size: number, counter: TokenCounter, chat: (spec: S, counter: TokenCounter) => ChatMessage[] = generateChat): ChatMessage[][] {
  return Array.from({ length: size }, (_, i) => chat({ ...spec, seed: deriveSeed(spec.seed, 1000 + i) }, counter));
}
