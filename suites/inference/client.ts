/**
 * Streaming clients for any OpenAI-compatible server: plain fetch with a small SSE parser (default: the
 * least client overhead), or the `openai` SDK (v6). Both return a RequestRecord with the arrival time of
 * every content chunk. Every request has a total timeout and an idle timeout between chunks, so a dead
 * or killed server turns into an error, never a hang; and a bound on its text from max_tokens, so a server
 * that sends more than it asked for fails that request instead of exhausting the process. A failed
 * request's error ends with the endpoint it went to.
 * A target is untrusted: no redirect is followed (a 3xx answer fails the request, naming where it pointed),
 * so a request — and the API key or credentials it carries — only ever goes to the configured origin.
 * Userinfo in a target URL (http://user:pass@host/v1) is sent as Basic auth and shown as `***`.
 */
import OpenAI, { APIError } from 'openai';
import { redactUrlCredentials } from '../../common/cli/url-credentials.ts';
import type { BackendTimings, RequestRecord } from './metrics.ts';
import { SseLines, parseData, quote } from './sse.ts';

export type ClientKind = 'fetch' | 'openai';
export const CLIENTS: readonly ClientKind[] = ['fetch', 'openai'];

export interface StreamRequest {
  baseURL: string;
  model: string;
  /** Chat completions (messages) or completions (prompt: text or token ids). */
  messages?: { role: string; content: string }[];
  prompt?: string | number[];
  maxTokens: number;
  /** Ask the server to ignore end-of-sequence so exactly max_tokens are generated (vLLM, llama.cpp). */
  ignoreEos?: boolean;
  /** Total time allowed, ms. */
  timeoutMs: number;
  /** Longest silence allowed between bytes of the response, ms. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Extra body fields. */
  extra?: Record<string, unknown>;
  /** When the request is considered issued (default: now). */
  start?: number;
  fetch?: typeof fetch;
}

function body(req: StreamRequest): Record<string, unknown> {
  const b: Record<string, unknown> = {
    model: req.model,
    max_tokens: req.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    ...(req.ignoreEos ? { ignore_eos: true } : {}),
    ...req.extra,
  };
  if (req.messages) b.messages = req.messages;
  else b.prompt = req.prompt;
  return b;
}

/**
 * Characters of text one token can carry, generously: the longest token of the bundled vocabularies is 128
 * bytes. Text beyond max_tokens × this is not an answer to the request (the server ignored max_tokens), and
 * re-tokenizing it after the run would cost without bound, so the request fails as soon as it is seen.
 */
const MAX_CHARS_PER_TOKEN = 256;
/** An event line may hold this many times the text it carries: JSON escapes, ids, usage, logprobs. */
const LINE_CHARS_PER_TEXT_CHAR = 64;

/** The most text a request may receive, from the max_tokens it sends (no bound without one). */
function textLimit(b: Record<string, unknown>): { maxTokens: number; chars: number } {
  const n = b.max_tokens;
  const maxTokens = typeof n === 'number' && n > 0 ? n : Number.POSITIVE_INFINITY;
  return { maxTokens, chars: maxTokens * MAX_CHARS_PER_TOKEN };
}

/**
 * A target's base URL as requests use it: without userinfo (fetch refuses a URL with credentials), and the
 * Basic authorization that userinfo stands for.
 */
function targetURL(baseURL: string): { url: string; authorization?: string } {
  const trimmed = baseURL.replace(/\/+$/, '');
  if (!trimmed.includes('@')) return { url: trimmed };
  const u = new URL(trimmed);
  if (u.username === '' && u.password === '') return { url: trimmed };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.href.replace(/\/+$/, ''), authorization };
}

/** The request's URL and the authorization its base URL's userinfo stands for. */
function endpoint(req: StreamRequest): { url: string; authorization?: string } {
  const { url, authorization } = targetURL(req.baseURL);
  return { url: `${url}/${req.messages ? 'chat/completions' : 'completions'}`, authorization };
}

/** The statuses fetch would follow (its `redirect: 'follow'`); every request here asks for 'manual'. */
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

/** Where a redirect answer pointed, resolved against the request's URL, credentials hidden, at most 200 characters. */
function locationOf(headers: Headers, url: string): string {
  const location = headers.get('location');
  if (location === null) return '(no Location header)';
  let resolved = location;
  try {
    resolved = new URL(location, url).href;
  } catch {}
  return redactUrlCredentials(resolved).slice(0, 200);
}

/** A redirect answer: following it would measure another server (and hand it the request's authorization) while the run reports no error. */
class RedirectError extends Error {}

/** The error of a redirect answer to a request for `url`, or undefined for any other status. */
function redirectError(status: number, headers: Headers, url: string): RedirectError | undefined {
  if (!REDIRECT_STATUSES.includes(status)) return undefined;
  return new RedirectError(`target answered ${status} redirect to ${locationOf(headers, url)}; redirects are not followed`);
}

/** The content of one streamed chunk (chat delta or completion text). */
function chunkContent(json: any): string | undefined {
  const choice = json?.choices?.[0];
  if (!choice) return undefined;
  const c = choice.delta?.content ?? choice.text;
  return typeof c === 'string' && c.length > 0 ? c : undefined;
}

/** Books one parsed chunk that arrived at `t`: its content (if any), usage and backend timings. */
function absorbChunk(record: RequestRecord, json: any, t: number, limit: ReturnType<typeof textLimit>): void {
  if (json?.error) throw new Error(`server error: ${typeof json.error === 'string' ? json.error : json.error.message ?? JSON.stringify(json.error)}`);
  const content = chunkContent(json);
  if (content !== undefined) {
    // Checked before appending: the record never holds the excess.
    if (record.text.length + content.length > limit.chars) {
      throw new Error(`more text than max_tokens=${limit.maxTokens} can produce: over ${limit.chars} characters (${MAX_CHARS_PER_TOKEN} per token at most)`);
    }
    record.chunkTimes.push(t);
    record.text += content;
  }
  if (json.usage) record.usage = json.usage;
  if (json.timings) record.timings = json.timings as BackendTimings;
}

/** Describes why a request failed, naming the cause (ECONNREFUSED, timeout, HTTP status…). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return err.message;
  // Walk the cause chain (SDK error → fetch failed → ECONNREFUSED) and keep every distinct part.
  const parts: string[] = [];
  let e: any = err;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause) {
    const msg = String(e.message ?? e).replace(/\.$/, '');
    if (msg && !parts.some((p) => p.includes(msg))) parts.push(msg);
    if (e.code && !parts.some((p) => p.includes(e.code))) parts.push(String(e.code));
  }
  return parts.join(': ');
}

class Watchdog {
  readonly controller = new AbortController();
  private idle?: NodeJS.Timeout;
  private total: NodeJS.Timeout;
  private readonly onOuterAbort = () => this.abort('aborted');
  constructor(timeoutMs: number, private readonly idleMs: number | undefined, private readonly outer?: AbortSignal) {
    this.total = setTimeout(() => this.abort(`timed out after ${timeoutMs} ms`), timeoutMs);
    this.kick();
    if (outer) {
      if (outer.aborted) this.abort('aborted');
      else outer.addEventListener('abort', this.onOuterAbort, { once: true });
    }
  }
  get signal() {
    return this.controller.signal;
  }
  kick() {
    if (this.idleMs === undefined) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.abort(`no data for ${this.idleMs} ms`), this.idleMs);
  }
  abort(reason: string) {
    const err = new Error(reason);
    err.name = 'TimeoutError';
    this.controller.abort(err);
  }
  done() {
    clearTimeout(this.idle);
    clearTimeout(this.total);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

/** The record's error: the cause (a timeout or abort wins over what it caused), naming the endpoint. */
function failure(err: unknown, dog: Watchdog, url: string): string {
  return `${describeError(dog.signal.aborted && dog.signal.reason ? dog.signal.reason : err)} (at ${url})`;
}

/** Streams one request with fetch and a minimal SSE parser. */
export async function streamFetch(req: StreamRequest): Promise<RequestRecord> {
  const start = req.start ?? performance.now();
  const record: RequestRecord = { start, chunkTimes: [], end: start, text: '', clientUs: [] };
  const dog = new Watchdog(req.timeoutMs, req.idleTimeoutMs, req.signal);
  const doFetch = req.fetch ?? fetch;
  const { url, authorization } = endpoint(req);
  const b = body(req);
  const limit = textLimit(b);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: authorization ?? 'Bearer prepbench' },
      body: JSON.stringify(b),
      signal: dog.signal,
      redirect: 'manual',
    });
    const redirect = redirectError(res.status, res.headers, url);
    if (redirect) {
      res.body?.cancel().catch(() => {});
      throw redirect;
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      throw new Error(`HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`);
    }
    const r = (reader = res.body.getReader());
    const decoder = new TextDecoder();
    const sse = new SseLines();
    let done = false;
    const onAbort = () => r.cancel().catch(() => {});
    dog.signal.addEventListener('abort', onAbort, { once: true });
    while (!done) {
      let chunk;
      try {
        chunk = await r.read();
      } catch (err) {
        throw dog.signal.aborted ? dog.signal.reason : err;
      }
      if (dog.signal.aborted) throw dog.signal.reason;
      const t = performance.now();
      dog.kick();
      if (chunk.done) {
        done = sse.endsWithDone();
        break;
      }
      for (const data of sse.push(decoder.decode(chunk.value, { stream: true }))) {
        if ((done = data === '[DONE]')) break;
        absorbChunk(record, parseData(data), t, limit);
      }
      if (sse.pending > limit.chars * LINE_CHARS_PER_TEXT_CHAR) {
        throw new Error(`an event line of over ${limit.chars * LINE_CHARS_PER_TEXT_CHAR} characters, more than max_tokens=${limit.maxTokens} can produce`);
      }
      record.clientUs!.push((performance.now() - t) * 1000);
    }
    // Drain what follows [DONE] (normally just the end of the response) so the connection can be reused.
    if (done) while (!(await r.read()).done);
    dog.signal.removeEventListener('abort', onAbort);
    if (!sse.sawData) throw new Error(`HTTP ${res.status} answer is not an event stream (content-type ${res.headers.get('content-type')}): ${quote(sse.head)}`);
    if (!done) throw new Error(`stream ended without [DONE] after ${record.chunkTimes.length} tokens (connection closed)`);
  } catch (err) {
    record.error = failure(err, dog, url);
    // Whatever the server still sends is not wanted: release the connection now.
    reader?.cancel().catch(() => {});
  } finally {
    dog.done();
    record.end = performance.now();
  }
  return record;
}

const sdkClients = new Map<string, OpenAI>();

function sdkClient(baseURL: string, customFetch?: typeof fetch): OpenAI {
  const cached = customFetch ? undefined : sdkClients.get(baseURL);
  if (cached) return cached;
  const { url, authorization } = targetURL(baseURL);
  // A redirect comes back as an APIError with its status (streamOpenAI names it), never followed. Basic auth
  // from the URL's userinfo replaces the SDK's bearer key.
  const common = { baseURL: url, maxRetries: 0, fetchOptions: { redirect: 'manual' as const }, ...(authorization ? { defaultHeaders: { authorization } } : {}) };
  if (customFetch) return new OpenAI({ ...common, apiKey: 'prepbench', fetch: customFetch });
  const c = new OpenAI({ ...common, apiKey: process.env.OPENAI_API_KEY ?? 'prepbench' });
  sdkClients.set(baseURL, c);
  return c;
}

/** Streams one request through the `openai` SDK (v6). */
export async function streamOpenAI(req: StreamRequest): Promise<RequestRecord> {
  const start = req.start ?? performance.now();
  const record: RequestRecord = { start, chunkTimes: [], end: start, text: '', clientUs: [] };
  const dog = new Watchdog(req.timeoutMs, req.idleTimeoutMs, req.signal);
  const params = body(req) as any;
  const limit = textLimit(params);
  try {
    const client = sdkClient(req.baseURL, req.fetch);
    const stream = (req.messages
      ? await client.chat.completions.create(params, { signal: dog.signal, timeout: req.timeoutMs })
      : await client.completions.create(params, { signal: dog.signal, timeout: req.timeoutMs })) as unknown as AsyncIterable<any>;
    for await (const json of stream) {
      const t = performance.now();
      dog.kick();
      absorbChunk(record, json, t, limit);
      record.clientUs!.push((performance.now() - t) * 1000);
    }
    // The SDK ends the iteration quietly when its signal aborts: a timeout would pass for a short answer.
    if (dog.signal.aborted) throw dog.signal.reason;
    if (record.chunkTimes.length === 0) throw new Error('stream ended without content');
  } catch (err) {
    const { url } = endpoint(req);
    const redirect = err instanceof APIError && err.status !== undefined && err.headers ? redirectError(err.status, err.headers, url) : undefined;
    // The SDK's own JSON.parse of a chunk throws a bare SyntaxError (it logs the chunk itself).
    record.error = failure(redirect ?? (err instanceof SyntaxError ? new Error(`a chunk is not JSON (${err.message})`) : err), dog, url);
  } finally {
    dog.done();
    record.end = performance.now();
  }
  return record;
}

export function streamRequest(kind: ClientKind, req: StreamRequest): Promise<RequestRecord> {
  return kind === 'openai' ? streamOpenAI(req) : streamFetch(req);
}

/** GET {baseURL}/models; a redirect answer is an error (never followed), its body left unread. */
async function getModels(baseURL: string, timeoutMs: number): Promise<Response> {
  const { url: base, authorization } = targetURL(baseURL);
  const url = `${base}/models`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { authorization: authorization ?? 'Bearer prepbench' }, redirect: 'manual' });
  const redirect = redirectError(res.status, res.headers, url);
  if (redirect) {
    res.body?.cancel().catch(() => {});
    throw new RedirectError(`${redirect.message} (at ${url})`);
  }
  return res;
}

/** GET {baseURL}/models: the model names a target serves (also a reachability check). */
export async function listModels(baseURL: string, timeoutMs = 3000): Promise<string[]> {
  const res = await getModels(baseURL, timeoutMs);
  if (!res.ok) throw new Error(`GET /models: HTTP ${res.status}`);
  const json: any = await res.json();
  return Array.isArray(json?.data) ? json.data.map((m: any) => String(m.id)) : [];
}

/**
 * Throws an error naming the target and the cause when it cannot be reached (any HTTP answer will do but a
 * redirect, whose error says where it pointed).
 */
export async function checkReachable(baseURL: string, timeoutMs = 3000): Promise<void> {
  let res: Response;
  try {
    res = await getModels(baseURL, timeoutMs);
  } catch (err) {
    if (err instanceof RedirectError) throw err;
    const e = err as any;
    const cause = e?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeError(err);
    throw new Error(`target ${redactUrlCredentials(baseURL)} unreachable: ${cause}`);
  }
  await res.arrayBuffer().catch(() => {});
}

/**
 * The client's own cost per streamed chunk: `count` chunks in the server's SSE format, replayed from
 * memory (one chunk per read, as at low rates over a socket) through the client — stream read, SSE
 * parse, JSON parse, bookkeeping; no network, no server. Returns µs per chunk for each repetition (the
 * first two are warm-up, not returned). `now` is the clock read around each repetition (tests give a fake).
 */
export async function replayOverhead(kind: ClientKind, count: number, repetitions: number, chat = true, now: () => number = () => performance.now()): Promise<number[]> {
  const enc = new TextEncoder();
  const events: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const json = chat
      ? { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: ` tok${i}` }, finish_reason: null }] }
      : { id: 'x', object: 'text_completion', created: 0, model: 'm', choices: [{ index: 0, text: ` tok${i}`, finish_reason: null }] };
    events.push(enc.encode(`data: ${JSON.stringify(json)}\n\n`));
  }
  events.push(enc.encode(`data: ${JSON.stringify({ id: 'x', choices: [], usage: { prompt_tokens: 1, completion_tokens: count } })}\n\ndata: [DONE]\n\n`));
  const fakeFetch = (async () => {
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < events.length) controller.enqueue(events[i++]);
        else controller.close();
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
  const req: StreamRequest = {
    baseURL: 'http://replay.invalid/v1',
    model: 'm',
    ...(chat ? { messages: [{ role: 'user', content: 'x' }] } : { prompt: 'x' }),
    maxTokens: count,
    timeoutMs: 60_000,
    fetch: fakeFetch,
  };
  const out: number[] = [];
  for (let r = 0; r < repetitions + 2; r++) {
    const t0 = now();
    const rec = await streamRequest(kind, req);
    const elapsed = now() - t0;
    if (rec.error) throw new Error(`replay through ${kind} failed: ${rec.error}`);
    if (rec.chunkTimes.length !== count) throw new Error(`replay through ${kind}: ${rec.chunkTimes.length} of ${count} chunks`);
    if (r >= 2) out.push((elapsed * 1000) / count); // first two are warm-up
  }
  return out;
}
