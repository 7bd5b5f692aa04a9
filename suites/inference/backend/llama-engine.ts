/**
 * The inference engine behind the HTTP server: one node-llama-cpp context on CPU with `parallel`
 * sequences (slots). Each request takes a free slot for its whole life; when all slots are busy it
 * waits in a FIFO queue. Sequences that generate at the same time are decoded together: node-llama-cpp
 * gathers the pending tokens of all sequences into one llama.cpp batch per cycle (continuous batching).
 *
 * Prefix reuse: a sequence keeps the KV cache of everything it evaluated. A new request goes to the free
 * slot whose cached tokens share the longest prefix with its prompt (see bestSlot); the cached part
 * after the common prefix is erased and only the rest of the prompt is evaluated (llama-server's
 * `cache_prompt`). A slot handed directly to a queued request keeps whatever prefix it has.
 */
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { TOKEN_CONTROL, type Vocab } from './dummy-model.ts';
import { TokenBytes } from './token-text.ts';

export interface LlamaEngineOptions {
  file: string;
  vocabulary: Vocab;
  threads: number;
  parallel: number;
  /** Tokens per sequence (prompt + completion). */
  contextSize: number;
}

export interface GenerateParams {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** vLLM semantics: an end-of-generation token is sampled like any other and does not stop generation. */
  ignoreEos: boolean;
  signal: AbortSignal;
}

/**
 * Timed by this wrapper, not by llama.cpp: performance.now() around node-llama-cpp's slot wait, prompt
 * evaluation and token iterator. Named as llama-server names its own timings so one client reads both
 * (ms; `*_n` are token counts).
 */
export interface Timings {
  /** Prompt tokens actually evaluated (the reused cached prefix excluded). */
  prompt_n: number;
  /** From taking a slot to the first generated token: prefix-cache lookup, prompt evaluation, first sample. */
  prompt_ms: number;
  /** Prompt tokens served from the sequence's KV cache. */
  cache_n: number;
  /** Generated tokens. */
  predicted_n: number;
  /** From the first to the last generated token: `predicted_n - 1` decode steps. */
  predicted_ms: number;
  /** (predicted_n − 1) / predicted_ms — the inter-token rate a streaming client measures. */
  predicted_per_second: number;
  /** Time spent waiting for a free slot (not part of prompt_ms). */
  queue_ms: number;
}

export interface GenerationResult {
  completionTokens: number;
  finishReason: 'length' | 'stop' | 'abort';
  /** Text still held by the UTF-8 decoder when generation stopped at an end-of-generation token. */
  tail: string;
  timings: Timings;
}

/** A request the engine cannot serve (the server answers 400). */
export class RequestError extends Error {}

interface Slot {
  seq: LlamaContextSequence;
  busy: boolean;
  /** performance.now() when its last request ended (0 = never used). */
  lastUsed: number;
  /** Prompt length of the last request it served (0 = none). */
  promptLength: number;
}

// One Llama (native binding) per process, shared by every engine and released with the last one.
let shared: { llama: Promise<Llama>; users: number } | undefined;

async function acquireLlama(): Promise<Llama> {
  shared ??= { llama: getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }), users: 0 };
  shared.users++;
  return shared.llama;
}

async function releaseLlama(): Promise<void> {
  if (!shared || --shared.users > 0) return;
  const { llama } = shared;
  shared = undefined;
  await (await llama).dispose();
}

export class LlamaEngine {
  readonly text: TokenBytes;
  private readonly slots: Slot[];
  private readonly waiters: { promptLength: number; resolve(slot: Slot): void; reject(err: Error): void }[] = [];
  private closed = false;
  /** Set while a KV-cache edit waits for the context lock; generation loops wait on it between tokens. */
  private paused: Promise<void> | undefined;
  private resumeGeneration: () => void = () => {};
  private editors = 0;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly options: LlamaEngineOptions,
  ) {
    this.slots = Array.from({ length: options.parallel }, () => ({ seq: context.getSequence(), busy: false, lastUsed: 0, promptLength: 0 }));
    const { tokens, types } = options.vocabulary;
    this.text = new TokenBytes(tokens, (id) => types[id] === TOKEN_CONTROL);
  }

  static async load(options: LlamaEngineOptions): Promise<LlamaEngine> {
    const llama = await acquireLlama();
    try {
      const model = await llama.loadModel({ modelPath: options.file });
      const context = await model.createContext({
        sequences: options.parallel,
        contextSize: options.contextSize,
        threads: options.threads,
        // On CPU, flash attention speeds up prompt evaluation but slows decoding at long contexts
        // (small model, 1k-token prompt: ~210 vs ~350 tok/s here); decode rate matters more to serving.
        flashAttention: false,
      });
      return new LlamaEngine(model, context, options);
    } catch (err) {
      await releaseLlama();
      throw err;
    }
  }

  /** Slot states, as llama-server's GET /slots: busy or idle, tokens held in the KV cache, queue length. */
  slotStates(): { slots: { id: number; busy: boolean; cached_tokens: number }[]; queued: number } {
    return {
      slots: this.slots.map((s, id) => ({ id, busy: s.busy, cached_tokens: s.seq.nextTokenIndex })),
      queued: this.waiters.length,
    };
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  /**
   * Tokenizes a prompt string with llama.cpp's tokenizer (the model's own vocabulary and merges),
   * special tokens such as <|eot_id|> parsed. BOS is prepended unless the text already starts with it
   * (the chat template places it), as llama-server does with `add_bos_token` minus the double BOS.
   */
  tokenize(text: string): number[] {
    const ids = this.model.tokenize(text, true) as number[];
    const bos = this.options.vocabulary.bosId;
    return ids[0] === bos ? ids : [bos, ...ids];
  }

  get vocabSize(): number {
    return this.options.vocabulary.tokens.length;
  }

  /**
   * Generates up to `params.maxTokens` tokens after `prompt`, calling `onToken` once per token with the
   * text it completes; `last` is true on the token that reaches max_tokens (its delta includes the
   * decoder's remainder).
   */
  async generate(prompt: readonly number[], params: GenerateParams, onToken: (delta: string, last: boolean) => void): Promise<GenerationResult> {
    if (this.closed) throw new Error('engine is closed');
    if (prompt.length === 0) throw new RequestError('prompt is empty');
    if (prompt.length + params.maxTokens > this.contextSize) {
      throw new RequestError(
        `prompt (${prompt.length} tokens) + max_tokens (${params.maxTokens}) exceeds the context size of ${this.contextSize} tokens`,
      );
    }
    const tQueued = performance.now();
    const slot = await this.acquire(prompt as Token[], params.signal);
    const timings: Timings = { prompt_n: 0, prompt_ms: 0, cache_n: 0, predicted_n: 0, predicted_ms: 0, predicted_per_second: 0, queue_ms: 0 };
    let finishReason: GenerationResult['finishReason'] = 'stop';
    try {
      const t0 = performance.now();
      timings.queue_ms = t0 - tQueued;
      const seq = slot.seq;
      // Keep the common prefix; at least one prompt token is evaluated so there are logits to sample from.
      const common = Math.min(seq.compareContextTokens(prompt as Token[]).firstDifferentIndex, prompt.length - 1);
      if (common < seq.nextTokenIndex) {
        await this.exclusive(() => seq.eraseContextTokenRanges([{ start: common, end: seq.nextTokenIndex }]));
      }
      timings.cache_n = common;
      timings.prompt_n = prompt.length - common;

      const decoder = this.text.stream();
      let tFirst = 0, tLast = 0, n = 0;
      if (params.signal.aborted) finishReason = 'abort';
      else {
        const tokens = seq.evaluate(prompt.slice(common) as Token[], {
          temperature: params.temperature,
          topP: params.topP,
          topK: params.topK,
          seed: params.seed,
          yieldEogToken: params.ignoreEos,
        });
        for await (const token of tokens) {
          tLast = performance.now();
          if (n === 0) tFirst = tLast;
          n++;
          const last = n >= params.maxTokens;
          const delta = decoder.push(token) + (last ? decoder.end() : '');
          onToken(delta, last);
          if (last) {
            finishReason = 'length';
            break;
          }
          if (params.signal.aborted) {
            finishReason = 'abort';
            break;
          }
          if (this.paused) await this.paused; // another request is editing its KV cache (see exclusive)
        }
      }
      // Stopped at an end-of-generation token: the caller sends what the decoder still holds.
      const tail = finishReason === 'stop' ? decoder.end() : '';
      timings.prompt_ms = (n > 0 ? tFirst : performance.now()) - t0;
      timings.predicted_n = n;
      timings.predicted_ms = n > 0 ? tLast - tFirst : 0;
      timings.predicted_per_second = n > 1 ? ((n - 1) / timings.predicted_ms) * 1000 : 0;
      return { completionTokens: n, finishReason, tail, timings };
    } finally {
      this.release(slot);
    }
  }

  /**
   * Runs a KV-cache edit (erasing a sequence's stale tail) while the other sequences hold their next
   * decode step. node-llama-cpp performs such edits under the context lock, and its batch dispatcher
   * keeps that lock for as long as decodes are queued — with other requests generating, that is until
   * they ALL finish (measured: a new request waited the whole ~0.8 s remaining generation of two
   * others). Holding the generation loops for one step lets the queue drain, the edit take the lock,
   * and decoding resume: a stall of about one decode step, as when llama-server admits a new prompt.
   */
  private async exclusive<T>(edit: () => Promise<T>): Promise<T> {
    if (this.editors++ === 0) this.paused = new Promise<void>((resolve) => (this.resumeGeneration = resolve));
    try {
      return await edit();
    } finally {
      if (--this.editors === 0) {
        this.paused = undefined;
        this.resumeGeneration();
      }
    }
  }

  /** The free slot sharing the longest prefix with `prompt`, or a place in the FIFO queue. */
  private acquire(prompt: readonly Token[], signal: AbortSignal): Promise<Slot> {
    const free = this.slots.filter((s) => !s.busy);
    if (free.length > 0) {
      const best = this.bestSlot(free, prompt);
      best.busy = true;
      return Promise.resolve(best);
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter = { promptLength: prompt.length, resolve, reject };
      this.waiters.push(waiter);
      signal.addEventListener('abort', () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new Error('request aborted while queued'));
        }
      }, { once: true });
    });
  }

  /**
   * Like llama-server's slot choice: the slot with the longest common prefix, provided that prefix
   * covers more than half of the prompt the slot last served (a short match such as the template header
   * is not worth evicting a long cached conversation); otherwise the least recently used slot (empty ones
   * first). llama-server divides by the whole cache, generated tokens included, which after a long
   * answer would refuse the slot holding the very same prompt. Whichever slot is chosen, its common
   * prefix with the prompt is reused.
   */
  private bestSlot(free: Slot[], prompt: readonly Token[]): Slot {
    let best: Slot | undefined, bestLen = 0;
    for (const s of free) {
      if (s.promptLength === 0) continue;
      const len = s.seq.compareContextTokens(prompt as Token[]).firstDifferentIndex;
      if (len > bestLen && len / s.promptLength > 0.5) [best, bestLen] = [s, len];
    }
    best ??= free.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
    best.promptLength = prompt.length;
    return best;
  }

  private release(slot: Slot): void {
    slot.lastUsed = performance.now();
    const next = this.waiters.shift();
    if (next && !this.closed) {
      slot.promptLength = next.promptLength;
      next.resolve(slot); // handed over busy, FIFO; it keeps whatever prefix the slot shares
    } else slot.busy = false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('backend closed'));
    await this.context.dispose();
    await this.model.dispose();
    await releaseLlama();
  }
}
