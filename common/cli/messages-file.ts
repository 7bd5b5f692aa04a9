/** Reads a user's chat file for `render`: an array of messages, or { messages, tools }. */
import { InputError } from './input-error.ts';
import { readRegularFile } from './regular-file.ts';
import type { ChatMessage } from '../templates/engines.ts';

export interface ChatFile {
  messages: ChatMessage[];
  tools?: unknown[];
}

/**
 * Limits on what a messages file may hold: a file as large as memory ends the process (a 100 MB file ran
 * out of heap), and one long message can keep the tokenizers busy for minutes (a 1 MB message without
 * spaces: @huggingface/tokenizers 22 s and 848 MB).
 */
export interface MessagesLimits {
  /** Largest file, MB (--max-messages-mb). */
  fileMb: number;
  /** Longest `content` of one message, characters (--max-message-chars). */
  messageChars: number;
}

export const DEFAULT_MESSAGES_LIMITS: MessagesLimits = { fileMb: 16, messageChars: 1_000_000 };

/** Each limit's flag and valid range: V8's longest string (2^29 − 24 characters) bounds both, so a file can be read as text at all. */
const MESSAGES_LIMIT_FLAGS = {
  fileMb: { flag: '--max-messages-mb', min: 1, max: 512 },
  messageChars: { flag: '--max-message-chars', min: 1, max: 2 ** 29 - 24 },
} as const satisfies Record<keyof MessagesLimits, { flag: string; min: number; max: number }>;

/** The command-line value of a limit: a whole number within its range, else exit 2 naming the value and the range. */
export function parseMessagesLimit(limit: keyof MessagesLimits): (text: string) => number {
  const { flag, min, max } = MESSAGES_LIMIT_FLAGS[limit];
  return (text) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new InputError(`${flag}: '${text}' is not a whole number from ${min} to ${max}`);
    return Number(text);
  };
}

export function readMessagesFile(path: string, limits: MessagesLimits = DEFAULT_MESSAGES_LIMITS): ChatFile {
  const text = readRegularFile(path, { mb: limits.fileMb, what: 'a messages file', flag: MESSAGES_LIMIT_FLAGS.fileMb.flag });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const file: ChatFile = Array.isArray(data) ? { messages: data } : (data as ChatFile);
  if (!file || typeof file !== 'object' || !Array.isArray(file.messages)) {
    throw new InputError(`${path}: expected an array of messages or an object with a "messages" array`);
  }
  if (file.messages.length === 0) throw new InputError(`${path}: "messages" is empty`);
  file.messages.forEach((m, i) => {
    if (!m || typeof m !== 'object') throw new InputError(`${path}: message ${i} is not an object`);
    if (typeof m.role !== 'string' || m.role === '') throw new InputError(`${path}: message ${i} has no "role" string`);
    const hasToolCalls = Array.isArray((m as { tool_calls?: unknown }).tool_calls);
    if (typeof m.content !== 'string' && !(hasToolCalls && (m.content === null || m.content === undefined))) {
      throw new InputError(`${path}: message ${i} ("${m.role}") has no "content" string`);
    }
    if (typeof m.content === 'string' && m.content.length > limits.messageChars) {
      throw new InputError(`${path}: message ${i} ("${m.role}") has ${m.content.length} characters of content, over the limit of ${limits.messageChars} (${MESSAGES_LIMIT_FLAGS.messageChars.flag} raises it)`);
    }
  });
  if (file.tools !== undefined && !Array.isArray(file.tools)) throw new InputError(`${path}: "tools" must be an array`);
  return file;
}
