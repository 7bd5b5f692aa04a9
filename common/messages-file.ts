/** Reads a user's chat file for `render`: an array of messages, or { messages, tools }. */
import { readFileSync } from 'node:fs';
import { fsReason } from './fs-reason.ts';
import type { ChatMessage } from './templates/engines.ts';

export class MessagesFileError extends Error {}

export interface ChatFile {
  messages: ChatMessage[];
  tools?: unknown[];
}

export function readMessagesFile(path: string): ChatFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MessagesFileError(`${path}: cannot read file ${fsReason(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MessagesFileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const file: ChatFile = Array.isArray(data) ? { messages: data } : (data as ChatFile);
  if (!file || typeof file !== 'object' || !Array.isArray(file.messages)) {
    throw new MessagesFileError(`${path}: expected an array of messages or an object with a "messages" array`);
  }
  if (file.messages.length === 0) throw new MessagesFileError(`${path}: "messages" is empty`);
  file.messages.forEach((m, i) => {
    if (!m || typeof m !== 'object') throw new MessagesFileError(`${path}: message ${i} is not an object`);
    if (typeof m.role !== 'string' || m.role === '') throw new MessagesFileError(`${path}: message ${i} has no "role" string`);
    const hasToolCalls = Array.isArray((m as { tool_calls?: unknown }).tool_calls);
    if (typeof m.content !== 'string' && !(hasToolCalls && (m.content === null || m.content === undefined))) {
      throw new MessagesFileError(`${path}: message ${i} ("${m.role}") has no "content" string`);
    }
  });
  if (file.tools !== undefined && !Array.isArray(file.tools)) throw new MessagesFileError(`${path}: "tools" must be an array`);
  return file;
}
