/**
 * The user's own chats (--chats FILE), in the two formats serving benchmarks read: OpenAI-style JSONL (one
 * `{"messages": [{"role", "content"}, …]}` a line) and ShareGPT JSON (`[{"conversations": [{"from",
 * "value"}, …]}, …]`, what vLLM's serving benchmark replays). Each chat is one request, measured as it is.
 * A malformed file is an InputError (exit 2) naming the line or index and the field.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { InputError } from '../cli/input-error.ts';
import { DEFAULT_MESSAGES_LIMITS } from '../cli/messages-file.ts';
import { readRegularFile } from '../cli/regular-file.ts';
import { shuffle } from '../stats/rng.ts';
import type { ChatMessage } from '../templates/engines.ts';

export type ChatsFormat = 'openai-jsonl' | 'sharegpt';

/** Larger files are refused (MB): every measuring process parses the whole file, and V8 strings end near 512 MB. */
export const CHATS_FILE_MAX_MB = 64;

/** ShareGPT speakers → chat roles (`gpt` is ChatGPT; some exports name the assistant `chatgpt`, `bard` or `bing`). */
const SHAREGPT_ROLES: Readonly<Record<string, string>> = { human: 'user', user: 'user', gpt: 'assistant', chatgpt: 'assistant', bard: 'assistant', bing: 'assistant', assistant: 'assistant', system: 'system' };

/** What a run records of the file (env.json) and what its processes read it by. */
export interface ChatsFileRecord {
  path: string;
  format: ChatsFormat;
  chats: number;
  sha256: string;
  /** The rows' `text` parameter: runs on different files never compare. */
  label: string;
}

/** Reads and checks the whole file: every chat, or an InputError naming where it is malformed. */
export function readChatsFile(path: string): { format: ChatsFormat; chats: ChatMessage[][]; sha256: string } {
  const text = readRegularFile(path, { mb: CHATS_FILE_MAX_MB, what: 'a chats file (keep a sample of its chats)' });
  if (text.trim() === '') throw new InputError(`${path}: the file is empty; expected at least one chat`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const start = text.trimStart()[0];
  if (start === '[') return { format: 'sharegpt', chats: shareGpt(path, text), sha256 };
  if (start === '{') return { format: 'openai-jsonl', chats: openAiJsonl(path, text), sha256 };
  throw new InputError(`${path}: expected OpenAI-style JSONL (a {"messages": [...]} object a line) or ShareGPT JSON (an array of {"conversations": [...]}); the file starts with ${start === undefined ? 'only whitespace' : `'${start}'`}`);
}

export function chatsFileRecord(path: string): ChatsFileRecord {
  const { format, chats, sha256 } = readChatsFile(path);
  return { path: resolve(path), format, chats: chats.length, sha256, label: `chats:${basename(path)}@${sha256.slice(0, 8)}` };
}

const loaded = new Map<string, ChatMessage[][]>();

/**
 * Up to `n` of the file's chats, in file order: all of them when the file has no more, else a seeded
 * sample (as vLLM samples ShareGPT), the same in every process of a run.
 */
export function sampleChats(record: ChatsFileRecord, n: number, seed: number): ChatMessage[][] {
  let chats = loaded.get(record.sha256);
  if (!chats) {
    const file = readChatsFile(record.path);
    if (file.sha256 !== record.sha256) throw new Error(`${record.path} changed since the run started (sha256 ${record.sha256.slice(0, 8)} → ${file.sha256.slice(0, 8)})`);
    chats = file.chats;
    loaded.set(record.sha256, chats);
  }
  if (chats.length <= n) return chats;
  const picked = shuffle([...chats.keys()], seed).slice(0, n).sort((a, b) => a - b);
  return picked.map((i) => chats[i]);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One message's content, bounded as `render` bounds it: a megabyte without spaces keeps a tokenizer busy for many seconds. */
function contentOf(value: unknown, at: string): string {
  if (typeof value !== 'string') throw new InputError(`${at} is missing or not a string`);
  const limit = DEFAULT_MESSAGES_LIMITS.messageChars;
  if (value.length > limit) throw new InputError(`${at} has ${value.length} characters, over the limit of ${limit} for one message`);
  return value;
}

function openAiJsonl(path: string, text: string): ChatMessage[][] {
  const chats: ChatMessage[][] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}: line ${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new InputError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(record) || !Array.isArray(record.messages)) throw new InputError(`${where}: "messages" is missing or not an array`);
    if (record.messages.length === 0) throw new InputError(`${where}: "messages" is empty`);
    chats.push(
      record.messages.map((m: unknown, j: number) => {
        if (!isObject(m)) throw new InputError(`${where}: messages[${j}] is not an object`);
        if (typeof m.role !== 'string' || m.role === '') throw new InputError(`${where}: messages[${j}].role is missing or not a non-empty string`);
        return { role: m.role, content: contentOf(m.content, `${where}: messages[${j}].content`) };
      }),
    );
  });
  return chats;
}

function shareGpt(path: string, text: string): ChatMessage[][] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data) || data.length === 0) throw new InputError(`${path}: the array holds no conversations`);
  return data.map((item: unknown, i: number) => {
    const where = `${path}: [${i}]`;
    if (!isObject(item) || !Array.isArray(item.conversations)) throw new InputError(`${where}.conversations is missing or not an array`);
    if (item.conversations.length === 0) throw new InputError(`${where}.conversations is empty`);
    return item.conversations.map((turn: unknown, j: number) => {
      const at = `${where}.conversations[${j}]`;
      if (!isObject(turn)) throw new InputError(`${at} is not an object`);
      const role = typeof turn.from === 'string' && Object.hasOwn(SHAREGPT_ROLES, turn.from) ? SHAREGPT_ROLES[turn.from] : undefined;
      if (!role) throw new InputError(`${at}.from is ${JSON.stringify(turn.from)}; expected one of ${Object.keys(SHAREGPT_ROLES).join(', ')}`);
      return { role, content: contentOf(turn.value, `${at}.value`) };
    });
  });
}
