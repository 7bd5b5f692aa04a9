/**
 * Validation of OpenAI-style request bodies into the engine's parameters. Anything malformed throws
 * RequestError, which the server answers with 400 and OpenAI's error JSON.
 */
import type { ChatMessage } from '../../../common/templates/engines.ts';
import { RequestError } from './llama-engine.ts';

export interface SamplingRequest {
  model?: string;
  maxTokens?: number;
  stream: boolean;
  includeUsage: boolean;
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  ignoreEos: boolean;
}

export interface ChatRequest extends SamplingRequest {
  messages: ChatMessage[];
}

export interface CompletionRequest extends SamplingRequest {
  /** A string, or token ids used as given (vLLM accepts pre-tokenized prompts). */
  prompt: string | number[];
}

type Body = Record<string, unknown>;

export function parseJsonBody(raw: string): Body {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new RequestError('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError('request body must be a JSON object');
  return body as Body;
}

function optionalNumber(body: Body, key: string, check: (v: number) => boolean, what: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new RequestError(`'${key}' must be ${what}`);
  return v;
}

function optionalBoolean(body: Body, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new RequestError(`'${key}' must be a boolean`);
  return v;
}

function sampling(body: Body): SamplingRequest {
  if (body.model !== undefined && typeof body.model !== 'string') throw new RequestError("'model' must be a string");
  optionalNumber(body, 'n', (v) => v === 1, '1 (only one choice is supported)');
  // Features that would change what is generated are refused rather than silently ignored.
  const stop = body.stop;
  if (stop !== undefined && stop !== null && !(Array.isArray(stop) && stop.length === 0)) throw new RequestError("'stop' sequences are not supported by this backend");
  for (const key of ['logprobs', 'echo'] as const) {
    if (body[key] !== undefined && body[key] !== null && body[key] !== false) throw new RequestError(`'${key}' is not supported by this backend`);
  }
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  const maxTokens = optionalNumber(body, 'max_tokens', positiveInt, 'a positive integer') ??
    optionalNumber(body, 'max_completion_tokens', positiveInt, 'a positive integer');
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) {
    throw new RequestError("'stream_options' must be an object");
  }
  const includeUsage = streamOptions ? optionalBoolean(streamOptions as Body, 'include_usage') : false;
  return {
    model: body.model as string | undefined,
    maxTokens,
    stream: optionalBoolean(body, 'stream'),
    includeUsage,
    temperature: optionalNumber(body, 'temperature', (v) => v >= 0 && v <= 2, 'a number in [0, 2]') ?? 1,
    topP: optionalNumber(body, 'top_p', (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    topK: optionalNumber(body, 'top_k', (v) => Number.isInteger(v) && v >= -1, 'an integer ≥ -1'),
    seed: optionalNumber(body, 'seed', (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'a non-negative 32-bit integer'),
    ignoreEos: optionalBoolean(body, 'ignore_eos'),
  };
}

/** OpenAI message content is a string or an array of parts; only text parts are meaningful here. */
function messageContent(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (part && typeof part === 'object' && (part as Body).type === 'text' && typeof (part as Body).text === 'string') return (part as Body).text as string;
        throw new RequestError(`messages[${i}].content: only text parts are supported`);
      })
      .join('');
  }
  throw new RequestError(`messages[${i}].content must be a string or an array of text parts`);
}

export function parseChatRequest(body: Body): ChatRequest {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new RequestError("'messages' must be a non-empty array");
  const parsed = messages.map((m, i): ChatMessage => {
    if (!m || typeof m !== 'object' || typeof (m as Body).role !== 'string') throw new RequestError(`messages[${i}] must be an object with a string 'role'`);
    return { role: (m as Body).role as string, content: messageContent((m as Body).content, i) };
  });
  return { ...sampling(body), messages: parsed };
}

export function parseCompletionRequest(body: Body, vocabSize: number): CompletionRequest {
  let prompt = body.prompt;
  // A batch of one ([text] or [[ids]]) is accepted; larger batches are not.
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) prompt = prompt[0];
  if (typeof prompt === 'string') {
    if (prompt.length === 0) throw new RequestError("'prompt' is empty");
  } else if (Array.isArray(prompt)) {
    if (prompt.length === 0) throw new RequestError("'prompt' is empty");
    for (const id of prompt) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) {
        throw new RequestError(`'prompt' token ids must be integers in [0, ${vocabSize}); got ${JSON.stringify(id)}`);
      }
    }
  } else {
    throw new RequestError("'prompt' must be a string or an array of token ids (batches of more than one prompt are not supported)");
  }
  return { ...sampling(body), prompt: prompt as string | number[] };
}
