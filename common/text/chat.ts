/** A seeded chat in a kind of text (--text): the synthetic generator or real text. */
import { generateChat, type ChatSpec, type TokenCounter } from './data.ts';
import type { ChatMessage } from '../templates/engines.ts';
import type { TextKind } from './kinds.ts';
import { realChat } from './real-chat.ts';

/** `text` defaults to `synthetic`: callers that name no kind keep the chats they had before real text existed. */
export type TextChatSpec = ChatSpec & { text?: TextKind };

export function chatOf(spec: TextChatSpec, counter: TokenCounter): ChatMessage[] {
  const { text = 'synthetic', ...shape } = spec;
  return text === 'synthetic' ? generateChat(shape, counter) : realChat(shape, text, counter);
}
