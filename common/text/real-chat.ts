/**
 * Chats of human-written text, shaped like real ones: the system prompt and user turns short (a question
 * and what follows it, a pasted code block, a paragraph), assistant replies long (paragraphs, bullet lists,
 * fenced code blocks). The number of messages and the total of content tokens are exact, as in the
 * synthetic generator (common/text/data.ts): each message is cut to its budget by the model's real tokenizer.
 * Same seed + same tokenizer + same package versions → byte-identical chats.
 */
import { chatRoles, type ChatSpec, type TokenCounter } from './data.ts';
import { createRng, deriveSeed, intBetween, pick, type Rng } from '../stats/rng.ts';
import type { ChatMessage } from '../templates/engines.ts';
import { codeSnippet } from './code.ts';
import { englishPassage } from './english.ts';
import { fitToTokens } from './fit.ts';
import { MIX, REAL_KINDS, type RealKind } from './kinds.ts';
import { LANGUAGES, languagePassage, type Block } from './multilingual.ts';

type Role = ReturnType<typeof chatRoles>[number];

/** Each role's share of a chat's tokens, before a seeded jitter of ×0.5–1.5 per message: replies are long. */
const WEIGHT: Record<Role, number> = { system: 1, user: 1, assistant: 3 };

/** Characters per token, on the low side for each kind, so that one draw of text usually holds the budget. */
const CHARS_PER_TOKEN: Record<RealKind, number> = { english: 4, code: 3, multilingual: 2 };

/** Seed stream of the budget split (message i uses stream i). */
const BUDGET_STREAM = 0xb0d6e7;

export function realChat(spec: ChatSpec, kind: RealKind | 'mixed', counter: TokenCounter): ChatMessage[] {
  const roles = chatRoles(spec);
  const budgets = splitBudget(roles, spec.totalTokens, createRng(deriveSeed(spec.seed, BUDGET_STREAM)));
  return roles.map((role, i) => {
    const seed = deriveSeed(spec.seed, i);
    const messageKind = kind === 'mixed' ? mixedKind(createRng(seed)) : kind;
    return { role, content: messageText(messageKind, role, budgets[i], deriveSeed(seed, 1), counter) };
  });
}

/** Every message ≥ 1 token; the rest in proportion to the jittered weights, rounded by largest remainder so the total is exact. */
function splitBudget(roles: readonly Role[], total: number, rng: Rng): number[] {
  const weights = roles.map((r) => WEIGHT[r] * (0.5 + rng()));
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => ((total - roles.length) * w) / sum);
  const budgets = shares.map((s) => 1 + Math.floor(s));
  const left = total - budgets.reduce((a, b) => a + b, 0);
  const byRemainder = shares.map((s, i) => ({ i, r: s - Math.floor(s) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; k < left; k++) budgets[byRemainder[k].i]++;
  return budgets;
}

function mixedKind(rng: Rng): RealKind {
  let r = rng();
  for (const kind of REAL_KINDS) {
    r -= MIX[kind];
    if (r < 0) return kind;
  }
  return REAL_KINDS[0];
}

/** Passages drawn for one message before giving up: a passage with no exact cut is rare (≈1 message in a few hundred). */
const DRAWS = 20;

/** Passages cut with their code block closed before one may be left open. */
const CLOSED_DRAWS = 3;

/**
 * A message of exactly `budget` tokens: a passage drawn from the seed (another where no cut fits), cut
 * with its code block closed. A block may stay open where three passages did not allow closing it, and is
 * left open first where the budget cannot hold an empty block and a line ("```ts\n```" is 4 Llama 3
 * tokens, a declaration's first word makes it 6).
 */
function messageText(kind: RealKind, role: Role, budget: number, seed: number, counter: TokenCounter): string {
  const closable = kind !== 'code' || budget > counter.encode('```ts\n\n```').length + 1;
  for (let draw = 0; draw < DRAWS; draw++) {
    const { body, ids } = passageOf(kind, role, budget, deriveSeed(seed, draw), counter);
    const closing = !closable ? [false, true] : kind === 'code' && draw + 1 >= CLOSED_DRAWS ? [true, false] : [true];
    for (const close of closing) {
      const text = fitToTokens(body, budget, counter, ids, close);
      if (text !== undefined) return text;
    }
  }
  throw new Error(`no ${kind} passage of ${DRAWS} drawn could be cut to exactly ${budget} tokens`);
}

/** Text drawn from the seed, longer until it holds more than `budget` tokens, and its ids. */
function passageOf(kind: RealKind, role: Role, budget: number, seed: number, counter: TokenCounter): { body: string; ids: number[] } {
  let chars = budget * CHARS_PER_TOKEN[kind] * 1.2 + 32;
  for (;;) {
    // The same seed each time: the passage starts where it did and only grows.
    const body = bodyOf(kind, role, createRng(seed), chars);
    const ids = counter.encode(body);
    if (ids.length >= budget + 2) return { body, ids };
    chars *= ((budget + 2) / Math.max(1, ids.length)) * 1.2;
  }
}

/** An assistant reply's text (paragraphs and lists, a language's passage in markdown, fenced code) of at least `chars` characters, uncut: a passage of the kind. */
export function replyText(kind: RealKind, rng: Rng, chars: number): string {
  return bodyOf(kind, 'assistant', rng, chars);
}

function bodyOf(kind: RealKind, role: Role, rng: Rng, chars: number): string {
  const reply = role === 'assistant';
  if (kind === 'english') {
    const paragraphs = englishPassage(rng, chars, role === 'user');
    return paragraphs.map((sentences) => (reply && sentences.length >= 3 && rng() < 0.25 ? sentences.map((s) => `- ${s}`).join('\n') : sentences.join(' '))).join('\n\n');
  }
  if (kind === 'multilingual') {
    const blocks = languagePassage(pick(rng, LANGUAGES).code, rng, chars);
    return reply ? markdown(blocks) : blocks.map((b) => b.text).join('\n\n');
  }
  const blocks = reply ? intBetween(rng, 1, 3) : 1;
  return Array.from({ length: blocks }, () => `\`\`\`ts\n${codeSnippet(rng, chars / blocks)}\n\`\`\``).join('\n\n');
}

/** Headings in bold, list items as a bullet list, paragraphs apart. */
function markdown(blocks: readonly Block[]): string {
  return blocks
    .map((b, i) => {
      const text = b.kind === 'h' ? `**${b.text}**` : b.kind === 'li' ? `- ${b.text}` : b.text;
      return i === 0 ? text : `${b.kind === 'li' && blocks[i - 1].kind === 'li' ? '\n' : '\n\n'}${text}`;
    })
    .join('');
}
