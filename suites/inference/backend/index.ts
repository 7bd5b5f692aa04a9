/**
 * The embedded inference backend: a generated dummy-weight Llama GGUF (real Llama 3.1 vocabulary and
 * chat template), llama.cpp on CPU through node-llama-cpp, behind an OpenAI-compatible HTTP server on
 * 127.0.0.1. No network, no downloaded weights; generated text is gibberish, timings are real.
 *
 *   const backend = await startEmbeddedBackend({ size: 'tiny' });
 *   // POST `${backend.baseURL}/chat/completions` with { model: backend.model, ... }
 *   await backend.close();
 */
import { LlamaEngine } from './llama-engine.ts';
import { ensureDummyModel, type ModelSize } from './dummy-model.ts';
import { startServer } from './server.ts';

export interface EmbeddedBackendOptions {
  /** Seed of the random weights (default 1). */
  seed?: number;
  /** Model shape (default 'tiny': 16.5 M params, the suite's size); see SHAPES in dummy-model.ts. */
  size?: ModelSize;
  /** llama.cpp threads for the context (default 1: on 2 shared cores one thread decodes faster than two). */
  threads?: number;
  /** Sequences decoded together (default 4); further requests wait in a FIFO queue. */
  parallel?: number;
  /** Port on 127.0.0.1 (default 0: an ephemeral port). */
  port?: number;
  /** Tokens per sequence, prompt + completion (default 4096). */
  contextSize?: number;
  /** Where generated models are cached (default node_modules/.cache/prepbench, else the OS temp folder). */
  cacheDir?: string;
}

export interface EmbeddedBackend {
  /** e.g. http://127.0.0.1:43123/v1 */
  baseURL: string;
  /** Model name to send in requests. */
  model: string;
  modelInfo: { params: number; vocab: number; layers: number; hidden: number; file: string; bytes: number; generationMs: number };
  /** Model generation (0 when cached) + load + server listen; never inside a timed region. */
  startupMs: number;
  /** Load time alone (native library + GGUF + context), part of startupMs. */
  loadMs: number;
  /** Options as resolved (defaults filled in). */
  options: Required<Omit<EmbeddedBackendOptions, 'cacheDir' | 'port'>> & { port: number };
  /** Stops the server (open streams are cut, their generations stop) and frees the model; idempotent. */
  close(): Promise<void>;
}

export async function startEmbeddedBackend(opts: EmbeddedBackendOptions = {}): Promise<EmbeddedBackend> {
  const t0 = performance.now();
  const size = opts.size ?? 'tiny';
  const seed = opts.seed ?? 1;
  const threads = opts.threads ?? 1;
  const parallel = opts.parallel ?? 4;
  const contextSize = opts.contextSize ?? 4096;
  const dummy = ensureDummyModel({ size, seed, cacheDir: opts.cacheDir });
  const tLoad = performance.now();
  const engine = await LlamaEngine.load({ file: dummy.file, vocabulary: dummy.vocabulary, threads, parallel, contextSize });
  const loadMs = performance.now() - tLoad;
  const model = `prepbench-dummy-llama-${size}`;
  let server;
  try {
    server = await startServer({
      engine,
      modelName: model,
      chatTemplate: dummy.chatTemplate,
      bosToken: dummy.bosToken,
      eosToken: dummy.eosToken,
      port: opts.port ?? 0,
    });
  } catch (err) {
    await engine.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    baseURL: server.baseURL,
    model,
    modelInfo: {
      params: dummy.params,
      vocab: dummy.vocab,
      layers: dummy.layers,
      hidden: dummy.hidden,
      file: dummy.file,
      bytes: dummy.bytes,
      generationMs: dummy.generationMs,
    },
    startupMs: performance.now() - t0,
    loadMs,
    options: { seed, size, threads, parallel, contextSize, port: server.port },
    close: () =>
      (closing ??= (async () => {
        await server.close();
        await engine.close();
      })()),
  };
}

export type { ModelSize } from './dummy-model.ts';
