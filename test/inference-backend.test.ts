/**
 * The embedded inference backend at the tiny size: the GGUF writer's output loads in llama.cpp with
 * its metadata intact, the OpenAI-compatible server streams exactly max_tokens chunks, the project's
 * Llama 3.1 tokenizer agrees with the backend on prompt and output token counts, bad requests get
 * 400, disconnects stop generation, and close() frees the port. No speed is asserted.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreprocessor } from '../common/measure/pipeline.ts';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { loadTokenizerConfig } from '../common/assets/models.ts';
import { ensureDummyModel } from '../suites/inference/backend/dummy-model.ts';
import { startEmbeddedBackend, type EmbeddedBackend } from '../suites/inference/backend/index.ts';
import { tempDir } from './helpers.ts';

const MESSAGES = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Name three colours, héllo 你好.' },
];

interface Streamed {
  status: number;
  chunks: any[];
  done: boolean;
  /** Client-measured: request sent → stream fully read, ms. */
  clientMs: number;
}

async function post(backend: EmbeddedBackend, path: string, body: unknown): Promise<Response> {
  return fetch(`${backend.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Reads an SSE stream into its data objects; `done` when it ended with [DONE]. */
async function stream(backend: EmbeddedBackend, path: string, body: Record<string, unknown>): Promise<Streamed> {
  const t0 = performance.now();
  const res = await post(backend, path, { ...body, stream: true });
  const text = await res.text();
  const clientMs = performance.now() - t0;
  const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  const done = events.at(-1) === '[DONE]';
  return { status: res.status, chunks: events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e)), done, clientMs };
}

describe('GGUF writer and dummy model', () => {
  it('writes a deterministic llama GGUF that node-llama-cpp reads, with the real Llama 3.1 vocabulary and template', async () => {
    const a = ensureDummyModel({ size: 'tiny', seed: 5, cacheDir: tempDir() });
    const b = ensureDummyModel({ size: 'tiny', seed: 5, cacheDir: tempDir() });
    expect(a.fromCache).toBe(false);
    const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(hash(a.file)).toBe(hash(b.file));
    expect(a.bytes).toBeLessThan(80e6);

    const info = await readGgufFileInfo(a.file, { readTensorInfo: true });
    const md = info.metadata as any;
    expect(info.version).toBe(3);
    expect(md.general.architecture).toBe('llama');
    expect(md.llama.block_count).toBe(a.layers);
    expect(md.llama.embedding_length).toBe(a.hidden);
    expect(md.tokenizer.ggml.model).toBe('gpt2');
    expect(md.tokenizer.ggml.pre).toBe('llama-bpe');
    expect(md.tokenizer.ggml.tokens).toHaveLength(128256);
    expect(md.tokenizer.ggml.tokens[128009]).toBe('<|eot_id|>');
    expect(md.tokenizer.ggml.bos_token_id).toBe(128000);
    expect(md.tokenizer.ggml.eos_token_id).toBe(128009);
    expect(md.tokenizer.chat_template).toBe(loadTokenizerConfig('llama3.1').chat_template);
    const params = info.tensorInfo!.reduce((n, t) => n + t.dimensions.reduce((x: number, d) => x * Number(d), 1), 0);
    expect(params).toBe(a.params);
  });
});

/** GET /slots: each slot's busy flag and the tokens its KV cache holds. */
async function slotStates(backend: EmbeddedBackend): Promise<{ id: number; busy: boolean; cached_tokens: number }[]> {
  return ((await (await fetch(backend.baseURL.replace(/\/v1$/, '/slots'))).json()) as any).slots;
}

/** Polls /slots until `done` holds; no time limit (the test's timeout is the backstop). */
async function waitForSlots(backend: EmbeddedBackend, done: (slots: Awaited<ReturnType<typeof slotStates>>) => boolean) {
  for (;;) {
    const slots = await slotStates(backend);
    if (done(slots)) return slots;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('embedded backend (tiny)', () => {
  let backend: EmbeddedBackend;
  let startCallMs: number;
  beforeAll(async () => {
    const t0 = performance.now();
    backend = await startEmbeddedBackend({ size: 'tiny', parallel: 3 });
    startCallMs = performance.now() - t0;
  });
  afterAll(() => backend?.close());

  it('serves /health and /v1/models; the model loaded in llama.cpp', async () => {
    expect(backend.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(await (await fetch(backend.baseURL.replace(/\/v1$/, '/health'))).json()).toEqual({ status: 'ok' });
    const models = (await (await fetch(`${backend.baseURL}/models`)).json()) as any;
    expect(models.data.map((m: any) => m.id)).toEqual([backend.model]);
    expect(backend.modelInfo).toMatchObject({ vocab: 128256, layers: 2, hidden: 64 });
    // Start-up is model generation (0 when cached) + load + listen, and no longer than the call.
    expect(backend.loadMs).toBeGreaterThan(0);
    expect(backend.startupMs).toBeGreaterThanOrEqual(backend.modelInfo.generationMs + backend.loadMs);
    expect(backend.startupMs).toBeLessThanOrEqual(startCallMs);
  });

  it('streams exactly max_tokens chunks with ignore_eos, then usage with timings, then [DONE]', async () => {
    const r = await stream(backend, '/chat/completions', {
      model: backend.model, messages: MESSAGES, max_tokens: 40, ignore_eos: true, seed: 3,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.done).toBe(true);
    const content = r.chunks.filter((c) => c.choices.length > 0);
    expect(content).toHaveLength(40);
    expect(content[0].choices[0].delta.role).toBe('assistant');
    expect(content.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    const last = content.at(-1);
    expect(last.choices[0].finish_reason).toBe('length');
    expect(last.timings).toMatchObject({ predicted_n: 40 });
    const usageChunk = r.chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.completion_tokens).toBe(40);
    const t = usageChunk.timings;
    expect(t.prompt_n + t.cache_n).toBe(usageChunk.usage.prompt_tokens);
    // The wrapper's timings against the client's clock. By causality, everything the wrapper timed
    // (slot wait, prefill, 39 decode steps) happened between the client's send and its last read; the
    // reported rate must imply no more decode time than that either.
    expect(t.predicted_per_second).toBeGreaterThan(0);
    expect(t.queue_ms + t.prompt_ms + t.predicted_ms).toBeLessThanOrEqual(r.clientMs);
    expect((39 / t.predicted_per_second) * 1000).toBeLessThanOrEqual(r.clientMs);
  });

  it('output re-tokenized by the Llama 3.1 tokenizer has exactly completion_tokens tokens', async () => {
    const tok = loadTokenizer('llama3.1', 'js');
    for (const [temperature, seed] of [[1, 1], [1, 2], [0, 0]]) {
      const res = (await (await post(backend, '/chat/completions', {
        model: backend.model, messages: MESSAGES, max_tokens: 64, ignore_eos: true, temperature, seed,
      })).json()) as any;
      const text: string = res.choices[0].message.content;
      expect(res.usage.completion_tokens).toBe(64);
      expect(tok.encodeSync!(text)).toHaveLength(64);
    }
  });

  it('a token-id prompt, the rendered string and the chat messages give the same prompt_tokens', async () => {
    const pre = await createPreprocessor({ template: 'llama3.1', engine: 'jinja', tokenizer: 'js' });
    const rendered = pre.render(MESSAGES);
    const ids = await pre.tokenize(rendered);
    const body = { model: backend.model, max_tokens: 4, ignore_eos: true };
    const chat = (await (await post(backend, '/chat/completions', { ...body, messages: MESSAGES })).json()) as any;
    const fromIds = (await (await post(backend, '/completions', { ...body, prompt: ids })).json()) as any;
    const fromText = (await (await post(backend, '/completions', { ...body, prompt: rendered })).json()) as any;
    expect(chat.usage.prompt_tokens).toBe(ids.length);
    expect(fromIds.usage.prompt_tokens).toBe(ids.length);
    expect(fromText.usage.prompt_tokens).toBe(ids.length);
    expect(typeof fromIds.choices[0].text).toBe('string');
    // A plain string prompt gets BOS prepended (once).
    const hello = (await (await post(backend, '/completions', { ...body, prompt: 'Hello' })).json()) as any;
    expect(hello.usage.prompt_tokens).toBe(2);
  });

  it('/v1/completions streams one chunk per token in choices[0].text', async () => {
    const r = await stream(backend, '/completions', { model: backend.model, prompt: [128000, 9906], max_tokens: 12, ignore_eos: true });
    expect(r.done).toBe(true);
    expect(r.chunks).toHaveLength(12);
    expect(r.chunks.every((c) => c.object === 'text_completion' && typeof c.choices[0].text === 'string')).toBe(true);
    expect(r.chunks.at(-1).timings.predicted_n).toBe(12);
  });

  it('reuses the cached prefix of a repeated prompt', async () => {
    const body = { model: backend.model, messages: [{ role: 'user', content: 'prefix '.repeat(200) }], max_tokens: 2, ignore_eos: true };
    await post(backend, '/chat/completions', body);
    const again = (await (await post(backend, '/chat/completions', body)).json()) as any;
    expect(again.usage.prompt_tokens_details.cached_tokens).toBe(again.usage.prompt_tokens - 1);
    expect(again.timings.prompt_n).toBe(1);
  });

  it('serves concurrent requests, each with its exact token count', async () => {
    const results = await Promise.all(
      [10, 20, 30].map((n) => stream(backend, '/chat/completions', { model: backend.model, messages: MESSAGES, max_tokens: n, ignore_eos: true })),
    );
    expect(results.map((r) => r.chunks.length)).toEqual([10, 20, 30]);
  });

  it('admits a request into a used slot while other requests keep generating', async () => {
    // All slots hold earlier conversations, so the new request must first erase its slot's stale cache.
    await Promise.all([0, 1, 2].map((i) => post(backend, '/chat/completions', { model: backend.model, messages: [{ role: 'user', content: `warm ${i}` }], max_tokens: 3 })));
    const ctrl = new AbortController();
    // Checked by the order of events, not by time: the short request must complete while both long
    // streams are still open, and each long stream must deliver tokens after it completed. The long
    // requests ask for 4000 tokens, hundreds of times the short one's work, whatever the machine's speed.
    const longs = await Promise.all(
      [0, 1].map(async (i) => {
        const res = await fetch(`${backend.baseURL}/chat/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: backend.model, messages: [{ role: 'user', content: `long ${i}` }], max_tokens: 4000, ignore_eos: true, stream: true }),
          signal: ctrl.signal,
        });
        const reader = res.body!.getReader();
        await reader.read();
        const state = { chunks: 1, ended: false, onChunk: () => {} };
        // Wrapped: an async function returning a promise would wait for the whole stream.
        const drained = (async () => {
          try {
            while (!(await reader.read()).done) {
              state.chunks++;
              state.onChunk();
            }
            state.ended = true;
          } catch {
            // aborted below
          }
        })();
        return { state, drained };
      }),
    );
    const short = (await (await post(backend, '/chat/completions', { model: backend.model, messages: [{ role: 'user', content: 'other' }], max_tokens: 5, ignore_eos: true })).json()) as any;
    const atShort = longs.map((l) => ({ chunks: l.state.chunks, ended: l.state.ended }));
    expect(short.usage.completion_tokens).toBe(5);
    // Served while the long requests are still streaming: node-llama-cpp's batch dispatcher holds the
    // context lock (needed to erase a cache) for as long as decodes are queued; the engine pauses
    // generation for a step so the erase gets in. Without that the short request would wait for the
    // long ones to finish.
    expect(atShort.map((a) => a.ended)).toEqual([false, false]);
    // ...and generation resumes: each long stream delivers more tokens after the short one completed.
    await Promise.all(longs.map((l, i) => new Promise<void>((resolve) => {
      if (l.state.chunks > atShort[i].chunks) return resolve();
      l.state.onChunk = resolve;
    })));
    ctrl.abort();
    await Promise.all(longs.map((l) => l.drained));
  });

  it('answers malformed requests with 400 and an OpenAI error object', async () => {
    const bad: [unknown, string][] = [
      ['{not json', 'request body is not valid JSON'],
      [{ model: backend.model }, "'messages' must be a non-empty array"],
      [{ model: backend.model, messages: [] }, "'messages' must be a non-empty array"],
      [{ model: backend.model, messages: [{ content: 'no role' }] }, "messages[0] must be an object with a string 'role'"],
      [{ model: backend.model, messages: MESSAGES, max_tokens: 0 }, "'max_tokens' must be a positive integer"],
      [{ model: backend.model, messages: MESSAGES, max_tokens: 'ten' }, "'max_tokens' must be a positive integer"],
      [{ model: backend.model, messages: MESSAGES, temperature: -1 }, "'temperature' must be a number in [0, 2]"],
      [{ model: backend.model, messages: MESSAGES, max_tokens: 1_000_000 }, 'prompt (29 tokens) + max_tokens (1000000) exceeds the context size of 4096 tokens'],
      [{ model: backend.model, messages: MESSAGES, stop: ['\n'] }, "'stop' sequences are not supported by this backend"],
      [{ model: backend.model, messages: MESSAGES, n: 2 }, "'n' must be 1 (only one choice is supported)"],
    ];
    const error = (message: string) => ({ error: { message, type: 'invalid_request_error', param: null, code: 400 } });
    for (const [body, message] of bad) {
      const res = await post(backend, '/chat/completions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual(error(message));
    }
    const badPrompts: [unknown, string][] = [
      [[], "'prompt' is empty"],
      [[-1], "'prompt' token ids must be integers in [0, 128256); got -1"],
      [[1.5], "'prompt' token ids must be integers in [0, 128256); got 1.5"],
      [[999_999], "'prompt' token ids must be integers in [0, 128256); got 999999"],
      [42, "'prompt' must be a string or an array of token ids (batches of more than one prompt are not supported)"],
    ];
    for (const [prompt, message] of badPrompts) {
      const res = await post(backend, '/completions', { model: backend.model, prompt });
      expect(res.status, JSON.stringify(prompt)).toBe(400);
      expect(await res.json(), JSON.stringify(prompt)).toEqual(error(message));
    }
    expect((await post(backend, '/chat/completions', { model: 'other', messages: MESSAGES })).status).toBe(404);
  });

  it('stops generating when the client disconnects mid-stream', async () => {
    // Earlier tests' aborted streams free their slots at their next token.
    await waitForSlots(backend, (slots) => slots.every((s) => !s.busy));
    const ctrl = new AbortController();
    const res = await fetch(`${backend.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: backend.model, messages: MESSAGES, max_tokens: 4000, ignore_eos: true, stream: true }),
      signal: ctrl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const busy = (await slotStates(backend)).filter((s) => s.busy);
    expect(busy).toHaveLength(1);
    const slot = busy[0].id;
    ctrl.abort();
    // By events, not time: wait for the slot to be freed, then check how far it got. Had generation gone
    // on to max_tokens, its KV cache would hold the prompt and all 4000 tokens.
    const freed = await waitForSlots(backend, (slots) => !slots[slot].busy);
    expect(freed[slot].cached_tokens).toBeLessThan(4000);
  });

  it('close() is idempotent and frees the port', async () => {
    const other = await startEmbeddedBackend({ size: 'tiny' });
    const port = Number(new URL(other.baseURL).port);
    await Promise.all([other.close(), other.close()]);
    await other.close();
    await expect(fetch(`${other.baseURL}/models`)).rejects.toThrow();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});

describe('serve.ts as a separate process', () => {
  it('prints its URL as JSON, serves, and exits cleanly on SIGTERM', async () => {
    // `node --import tsx` keeps the server in this one child process (the tsx CLI would add a wrapper).
    const child = spawn(process.execPath, ['--import', 'tsx', 'suites/inference/backend/serve.ts', '--port', '0', '--size', 'tiny'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const info = await new Promise<any>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      expect(info).toMatchObject({ model: 'prepbench-dummy-llama-tiny', pid: child.pid });
      expect((await fetch(info.baseURL.replace(/\/v1$/, '/health'))).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // never leave a server behind
    }
  });
});
