/**
 * Characterizes the embedded backend through its own HTTP API (the path a client measures):
 * model size, generation and load time, TTFT for a ~1k-token chat prompt, decode rate, and whether a
 * shared prefix makes the next prompt faster. Not part of any suite; for the backend's README figures.
 *
 *   tsx scripts/measure-backend.ts [--sizes tiny,small] [--threads 1,2] [--tokens 256] [--reps 3] [--extra]
 *
 * --extra adds concurrency (1/2/4 streams) and shared-prefix vs unique prompts on the first size.
 */
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { generateChat } from '../common/text/data.ts';
import { median } from '../common/stats/stats.ts';
import type { ChatMessage } from '../common/templates/engines.ts';
import { startEmbeddedBackend, type EmbeddedBackend, type ModelSize } from '../suites/inference/backend/index.ts';
import type { Timings } from '../suites/inference/backend/llama-engine.ts';

interface StreamResult {
  ttftMs: number;
  /** Inter-token rate seen by the client: (chunks − 1) / (last − first chunk). */
  clientTokPerS: number;
  chunks: number;
  promptTokens: number;
  timings: Timings;
}

/** One streaming chat completion, timed at the client from sending the request to each SSE chunk. */
export async function streamChat(backend: EmbeddedBackend, messages: ChatMessage[], maxTokens: number): Promise<StreamResult> {
  const t0 = performance.now();
  const res = await fetch(`${backend.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: backend.model, messages, max_tokens: maxTokens, stream: true, ignore_eos: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const times: number[] = [];
  let promptTokens = 0;
  let timings: Timings | undefined;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    const now = performance.now();
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6));
      if (chunk.choices?.length) times.push(now);
      if (chunk.usage) promptTokens = chunk.usage.prompt_tokens;
      if (chunk.timings) timings = chunk.timings;
    }
  }
  if (!timings) throw new Error('no timings in the stream');
  const n = times.length;
  return {
    ttftMs: times[0] - t0,
    clientTokPerS: n > 1 ? ((n - 1) / (times[n - 1] - times[0])) * 1000 : 0,
    chunks: n,
    promptTokens,
    timings,
  };
}

function llamaCounter() {
  const tok = loadTokenizer('llama3.1', 'js');
  return { encode: (t: string) => tok.encodeSync!(t), decode: (ids: number[]) => tok.decode(ids) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: 'tiny,small' },
      threads: { type: 'string', default: '1,2' },
      tokens: { type: 'string', default: '256' },
      reps: { type: 'string', default: '3' },
      extra: { type: 'boolean', default: false },
    },
  });
  const maxTokens = Number(values.tokens);
  const reps = Number(values.reps);
  const counter = llamaCounter();
  // Distinct chats per repetition so no run benefits from the previous one's cached prefix.
  const chats = Array.from({ length: reps + 1 }, (_, i) => generateChat({ seed: 100 + i, turns: 9, totalTokens: 1000, system: true }, counter));
  const rows: Record<string, unknown>[] = [];
  for (const size of values.sizes!.split(',') as ModelSize[]) {
    for (const threads of values.threads!.split(',').map(Number)) {
      const backend = await startEmbeddedBackend({ size, threads, parallel: 1 });
      try {
        await streamChat(backend, chats[reps], 16); // warm-up
        const runs: StreamResult[] = [];
        for (let i = 0; i < reps; i++) runs.push(await streamChat(backend, chats[i], maxTokens));
        // The same chat again: everything but the last prompt token comes from the KV cache.
        const cached = await streamChat(backend, chats[reps - 1], maxTokens);
        rows.push({
          size, threads,
          params_M: +(backend.modelInfo.params / 1e6).toFixed(1),
          file_MB: +(backend.modelInfo.bytes / 1e6).toFixed(1),
          gen_ms: Math.round(backend.modelInfo.generationMs),
          load_ms: Math.round(backend.loadMs),
          startup_ms: Math.round(backend.startupMs),
          prompt_tokens: runs[0].promptTokens,
          ttft_ms: +median(runs.map((r) => r.ttftMs)).toFixed(1),
          backend_prompt_ms: +median(runs.map((r) => r.timings.prompt_ms)).toFixed(1),
          client_tok_s: Math.round(median(runs.map((r) => r.clientTokPerS))),
          backend_tok_s: Math.round(median(runs.map((r) => r.timings.predicted_per_second))),
          chunks: runs[0].chunks,
          cached_ttft_ms: +cached.ttftMs.toFixed(1),
          cached_prompt_n: cached.timings.prompt_n,
        });
        process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
      } finally {
        await backend.close();
      }
    }
  }
  console.table(rows);
  if (values.extra) await concurrencyAndPrefix(chats, maxTokens, values.sizes!.split(',')[0] as ModelSize);
}

/**
 * Aggregate decode rate with 1, 2, 4 simultaneous streams (4 slots, one llama.cpp batch per step), and
 * TTFT of prompts sharing a ~1k-token system prompt vs unique prompts of the same length.
 */
async function concurrencyAndPrefix(chats: ChatMessage[][], maxTokens: number, size: ModelSize): Promise<void> {
  const backend = await startEmbeddedBackend({ size, threads: 1, parallel: 4 });
  try {
    const rows: Record<string, unknown>[] = [];
    for (const streams of [1, 2, 4]) {
      const t0 = performance.now();
      const rs = await Promise.all(chats.slice(0, streams).map((c) => streamChat(backend, [c[0], { role: 'user', content: `q${streams}` }], maxTokens)));
      const wall = performance.now() - t0;
      rows.push({
        streams,
        aggregate_tok_s: Math.round((streams * maxTokens * 1000) / wall),
        per_stream_tok_s: Math.round(median(rs.map((r) => r.clientTokPerS))),
        ttft_ms: +median(rs.map((r) => r.ttftMs)).toFixed(1),
      });
    }
    console.table(rows);
    // Sequential requests. Shared: the same ~1k-token conversation + a new question each time, so a
    // slot holds the conversation in its KV cache. Unique: a conversation never sent before + the question.
    const fresh = Array.from({ length: 8 }, (_, i) =>
      generateChat({ seed: 500 + i, turns: 9, totalTokens: 1000, system: true }, llamaCounter()));
    const ttft = { shared: [] as number[], unique: [] as number[] };
    const evaluated = { shared: [] as number[], unique: [] as number[] };
    await streamChat(backend, [...chats[0], { role: 'user', content: 'warm' }], 8);
    for (let i = 0; i < 8; i++) {
      const q = { role: 'user', content: `Question ${i}: why is the sky blue, in brief?` };
      const s = await streamChat(backend, [...chats[0], q], 8);
      const u = await streamChat(backend, [...fresh[i], q], 8);
      ttft.shared.push(s.ttftMs); ttft.unique.push(u.ttftMs);
      evaluated.shared.push(s.timings.prompt_n); evaluated.unique.push(u.timings.prompt_n);
    }
    console.table([
      { prompts: 'shared prefix', ttft_ms: +median(ttft.shared).toFixed(1), prompt_n_evaluated: median(evaluated.shared) },
      { prompts: 'unique', ttft_ms: +median(ttft.unique).toFixed(1), prompt_n_evaluated: median(evaluated.unique) },
    ]);
  } finally {
    await backend.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
