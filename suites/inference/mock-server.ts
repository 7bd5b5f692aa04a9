/**
 * A small OpenAI-compatible streaming server for tests: POST /v1/chat/completions and /v1/completions
 * (prompt text or token ids), SSE one chunk per token after `ttftMs`, one every `itlMs`; `ignore_eos`
 * honoured (always max_tokens); `stream_options.include_usage`; a llama.cpp-style `timings` object in the
 * final chunk; GET /health and /v1/models. `killConnections()` drops every socket mid-stream, as a crashed
 * server would; `fault` makes chosen requests misbehave (fault-server.ts). Runnable as a process: `tsx suites/inference/mock-server.ts --port 0` prints its URL as JSON.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serveFault, type Fault } from './fault-server.ts';

export interface MockServerOptions {
  port?: number;
  model?: string;
  /** Delay before the first token, ms (plus `ttftPerPromptToken` × prompt length). */
  ttftMs?: number;
  ttftPerPromptTokenMs?: number;
  /** Delay between tokens, ms. */
  itlMs?: number;
  /** Tokens generated when the request has no max_tokens. */
  defaultMaxTokens?: number;
  /** The fault a streaming request gets, by its parsed body (undefined: a good answer). */
  fault?: (body: any) => Fault | undefined;
}

export interface MockServer {
  baseURL: string;
  model: string;
  /** Requests received, in order (parsed bodies). */
  requests: any[];
  /** Every HTTP request received, any path, in order: what a test checks reached (or never reached) this server. */
  received: { method: string; url: string; headers: IncomingHttpHeaders }[];
  killConnections(): void;
  close(): Promise<void>;
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'kappa', 'sigma', 'omega', 'theta'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startMockServer(opts: MockServerOptions = {}): Promise<MockServer> {
  const model = opts.model ?? 'mock-llama';
  const ttftMs = opts.ttftMs ?? 5;
  const itlMs = opts.itlMs ?? 2;
  const perPrompt = opts.ttftPerPromptTokenMs ?? 0;
  const sockets = new Set<Socket>();
  const requests: any[] = [];
  const received: MockServer['received'] = [];

  async function complete(req: IncomingMessage, res: ServerResponse, chat: boolean) {
    let json: any;
    try {
      json = JSON.parse(await readBody(req));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid JSON body' } }));
      return;
    }
    requests.push(json);
    if (chat ? !Array.isArray(json.messages) : json.prompt === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: chat ? "'messages' is required" : "'prompt' is required" } }));
      return;
    }
    const promptN = chat ? JSON.stringify(json.messages).length / 4 : Array.isArray(json.prompt) ? json.prompt.length : String(json.prompt).length / 4;
    const n = Number(json.max_tokens ?? opts.defaultMaxTokens ?? 16);
    const t0 = performance.now();
    const object = chat ? 'chat.completion.chunk' : 'text_completion';
    const choice = (i: number, text: string, finish: string | null) =>
      chat ? { index: i, delta: text ? { content: text } : { role: 'assistant' }, finish_reason: finish } : { index: i, text, finish_reason: finish };
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    if (!json.stream) {
      await sleep(ttftMs + perPrompt * promptN + itlMs * (n - 1));
      const text = Array.from({ length: n }, (_, i) => ` ${WORDS[i % WORDS.length]}`).join('');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'mock', object: chat ? 'chat.completion' : 'text_completion', model, choices: [chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' } : { index: 0, text, finish_reason: 'length' }], usage: { prompt_tokens: Math.round(promptN), completion_tokens: n } }));
      return;
    }
    const fault = opts.fault?.(json);
    if (fault) return serveFault(fault, res, (text) => ({ id: 'mock', object, model, choices: [choice(0, text, null)] }));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (chat) send({ id: 'mock', object, model, choices: [choice(0, '', null)] });
    await sleep(ttftMs + perPrompt * promptN);
    const tFirst = performance.now();
    for (let i = 0; i < n; i++) {
      if (res.destroyed) return;
      if (i > 0) await sleep(itlMs);
      send({ id: 'mock', object, model, choices: [choice(0, ` ${WORDS[i % WORDS.length]}`, i === n - 1 ? 'length' : null)] });
    }
    const tEnd = performance.now();
    const predictedMs = tEnd - tFirst;
    const timings = { prompt_n: Math.round(promptN), prompt_ms: tFirst - t0, predicted_n: n, predicted_ms: predictedMs, predicted_per_second: predictedMs > 0 ? ((n - 1) * 1000) / predictedMs : 0 };
    if (json.stream_options?.include_usage) send({ id: 'mock', object, model, choices: [], usage: { prompt_tokens: Math.round(promptN), completion_tokens: n, total_tokens: Math.round(promptN) + n }, timings });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '';
    received.push({ method: req.method ?? '', url, headers: req.headers });
    if (req.method === 'GET' && url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.method === 'GET' && url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model' }] }));
    } else if (req.method === 'POST' && (url === '/v1/chat/completions' || url === '/v1/completions')) {
      complete(req, res, url === '/v1/chat/completions').catch(() => res.destroy());
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    model,
    requests,
    received,
    killConnections: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

// As a process: prints {"baseURL": …, "model": …} on stdout and serves until killed.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const server = await startMockServer({ port: arg('port'), ttftMs: arg('ttft'), itlMs: arg('itl') });
  process.stdout.write(JSON.stringify({ baseURL: server.baseURL, model: server.model }) + '\n');
}
