/**
 * A small OpenAI-compatible HTTP server in front of the engine, so a benchmark measures the same path
 * (HTTP, SSE, JSON) as against vLLM or llama-server. Endpoints: POST /v1/chat/completions,
 * POST /v1/completions (string or token-id prompt), GET /v1/models, GET /health, GET /slots (slot
 * states and queue length, like llama-server's).
 *
 * Streaming sends one SSE chunk per generated token; the chunk of the last token carries
 * finish_reason and llama-server-style `timings`; with stream_options.include_usage a final chunk
 * carries `usage` (and the timings again). A client that disconnects stops its generation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileTemplate, type CompiledTemplate } from '../../../common/templates/engines.ts';
import { RequestError, type LlamaEngine, type GenerationResult, type Timings } from './llama-engine.ts';
import { parseChatRequest, parseCompletionRequest, parseJsonBody, type SamplingRequest } from './requests.ts';

const MAX_BODY_BYTES = 64 << 20;

export interface ServerOptions {
  engine: LlamaEngine;
  modelName: string;
  chatTemplate: string;
  bosToken: string;
  eosToken: string;
  host?: string;
  port?: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  baseURL: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error') {
    super(message);
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const template = compileTemplate('jinja', opts.chatTemplate);
  const created = Math.floor(Date.now() / 1000);
  let nextId = 0;
  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    handle(req, res).catch((err) => sendError(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/slots') return sendJson(res, 200, opts.engine.slotStates());
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: opts.modelName, object: 'model', created, owned_by: 'prepbench' }] });
    }
    const isChat = path === '/v1/chat/completions';
    if (!isChat && path !== '/v1/completions') throw new HttpError(404, `no route for ${req.method} ${path}`, 'not_found_error');
    if (req.method !== 'POST') throw new HttpError(405, `${path} accepts POST only`);
    const body = parseJsonBody(await readBody(req));
    const id = `${isChat ? 'chatcmpl' : 'cmpl'}-${++nextId}`;
    let prompt: number[];
    let sampling: SamplingRequest;
    if (isChat) {
      const r = parseChatRequest(body);
      sampling = r;
      prompt = opts.engine.tokenize(renderChat(template, opts, r.messages));
    } else {
      const r = parseCompletionRequest(body, opts.engine.vocabSize);
      sampling = r;
      prompt = typeof r.prompt === 'string' ? opts.engine.tokenize(r.prompt) : r.prompt;
    }
    if (sampling.model !== undefined && sampling.model !== opts.modelName) {
      throw new HttpError(404, `the model '${sampling.model}' does not exist; this server serves '${opts.modelName}'`, 'not_found_error');
    }
    // OpenAI's legacy default for completions is 16; chat defaults to the rest of the context.
    const maxTokens = sampling.maxTokens ?? (isChat ? Math.max(1, opts.engine.contextSize - prompt.length) : 16);
    await generate(res, { id, isChat, prompt, sampling, maxTokens });
  }

  interface Job {
    id: string;
    isChat: boolean;
    prompt: number[];
    sampling: SamplingRequest;
    maxTokens: number;
  }

  async function generate(res: ServerResponse, job: Job): Promise<void> {
    const { id, isChat, sampling } = job;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const base = { id, object: isChat ? 'chat.completion.chunk' : 'text_completion', created: Math.floor(Date.now() / 1000), model: opts.modelName };
    const choice = (text: string, first: boolean, finish: string | null) =>
      isChat
        ? { index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, logprobs: null, finish_reason: finish }
        : { index: 0, text, logprobs: null, finish_reason: finish };
    const params = {
      maxTokens: job.maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      topK: sampling.topK === -1 ? 0 : sampling.topK,
      seed: sampling.seed,
      ignoreEos: sampling.ignoreEos,
      signal: abort.signal,
    };

    if (!sampling.stream) {
      let text = '';
      const result = await opts.engine.generate(job.prompt, params, (delta) => (text += delta));
      if (result.finishReason === 'abort') return;
      text += result.tail;
      const finish = result.finishReason;
      const choices = isChat
        ? [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }]
        : [{ index: 0, text, logprobs: null, finish_reason: finish }];
      return sendJson(res, 200, {
        ...base,
        object: isChat ? 'chat.completion' : 'text_completion',
        choices,
        usage: usage(job.prompt.length, result),
        timings: publicTimings(result.timings),
      });
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const send = (obj: unknown) => {
      if (!res.destroyed) res.write(`data: ${JSON.stringify(obj)}\n\n`);
    };
    let n = 0;
    // The chunk of the token reaching max_tokens is held back one step so it can carry the timings.
    let pendingLast: string | undefined;
    let result: GenerationResult;
    try {
      result = await opts.engine.generate(job.prompt, params, (delta, last) => {
        n++;
        if (last) pendingLast = delta;
        else send({ ...base, choices: [choice(delta, n === 1, null)] });
      });
    } catch (err) {
      // Headers are gone: report in-stream the way vLLM does, then end without [DONE].
      send({ error: { message: (err as Error).message, type: 'server_error', code: 500 } });
      res.end();
      return;
    }
    if (result.finishReason === 'abort') return void res.end();
    const timings = publicTimings(result.timings);
    if (result.finishReason === 'length') send({ ...base, choices: [choice(pendingLast ?? '', n === 1, 'length')], timings });
    else {
      // Stopped at an end-of-generation token: one more chunk, with the decoder's remainder if any.
      const stop = isChat
        ? { index: 0, delta: result.tail ? { content: result.tail } : {}, logprobs: null, finish_reason: 'stop' }
        : choice(result.tail, false, 'stop');
      send({ ...base, choices: [stop], timings });
    }
    if (sampling.includeUsage) send({ ...base, choices: [], usage: usage(job.prompt.length, result), timings });
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    baseURL: `http://${opts.host ?? '127.0.0.1'}:${port}/v1`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // in-flight streams end; their generations are aborted via 'close'
      })),
  };
}

function renderChat(template: CompiledTemplate, opts: ServerOptions, messages: { role: string; content: string }[]): string {
  try {
    return template.render({ messages, add_generation_prompt: true, bos_token: opts.bosToken, eos_token: opts.eosToken });
  } catch (err) {
    throw new RequestError(`chat template failed: ${(err as Error).message}`);
  }
}

function usage(promptTokens: number, result: GenerationResult) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.timings.cache_n },
  };
}

/** Rounded to µs so the JSON stays short; all fields as in Timings. */
function publicTimings(t: Timings): Timings {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { ...t, prompt_ms: r(t.prompt_ms), predicted_ms: r(t.predicted_ms), predicted_per_second: r(t.predicted_per_second), queue_ms: r(t.queue_ms) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, obj: unknown): void {
  if (res.destroyed) return;
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof HttpError ? err.status : err instanceof RequestError ? 400 : 500;
  const type = err instanceof HttpError ? err.type : err instanceof RequestError ? 'invalid_request_error' : 'server_error';
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    if (!res.destroyed) res.end();
    return;
  }
  sendJson(res, status, { error: { message, type, param: null, code: status } });
}
