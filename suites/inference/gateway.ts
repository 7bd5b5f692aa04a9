/**
 * A Node.js LLM gateway in miniature: a chat arrives, the gateway renders the chat template and tokenizes
 * (preprocessing), then forwards the token ids to the inference server (`/v1/completions` with a token-id
 * prompt) and relays the stream. Where the preprocessing runs is the mode:
 *   baseline  none: the ids were computed before the run (what TTFT is without preprocessing)
 *   main      on the gateway's own event loop (strategy `main`: one request per loop turn)
 *   pool      in a piscina worker-thread pool (strategy `pool`)
 *   process   in a sidecar child process (strategy `process`, workerpool over IPC)
 * TTFT is counted from the chat's arrival at the gateway, so it includes the preprocessing and any wait
 * for a blocked event loop.
 */
import { getStrategy } from '../../common/strategies/cache.ts';
import type { Strategy } from '../../common/strategies/index.ts';
import type { PipelineConfig } from '../../common/measure/pipeline.ts';
import type { ChatMessage } from '../../common/templates/engines.ts';
import { streamRequest, type ClientKind } from './client.ts';
import type { RequestRecord } from './metrics.ts';

export const GATEWAY_MODES = ['baseline', 'main', 'pool', 'process'] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];
/** The modes that preprocess in the gateway (the baseline sends pre-computed ids). */
export const GATEWAY_STRATEGIES = ['main', 'pool', 'process'] as const satisfies readonly GatewayMode[];
export type GatewayStrategy = (typeof GATEWAY_STRATEGIES)[number];

export const GATEWAY_PIPELINE: PipelineConfig = { template: 'llama3.1', engine: 'jinja', tokenizer: 'js' };

/** Keeps BOS and the last `max − 1` ids when a prompt is longer than the server's budget. */
export function truncateIds(ids: number[], max: number): number[] {
  if (ids.length <= max) return ids;
  return [ids[0], ...ids.slice(ids.length - (max - 1))];
}

/** The worker count of a mode (a sidecar is one process; the pool gets as many threads). */
export function modeWorkers(mode: GatewayMode, workers: number): number {
  return mode === 'pool' || mode === 'process' ? workers : 1;
}

export async function gatewayStrategy(mode: GatewayMode, workers: number, config: PipelineConfig = GATEWAY_PIPELINE): Promise<Strategy | undefined> {
  return mode === 'baseline' ? undefined : getStrategy(mode, modeWorkers(mode, workers), config);
}

export interface GatewayRequest {
  chat: ChatMessage[];
  /** Pre-computed ids (baseline mode). */
  ids?: number[];
}

export interface GatewayTarget {
  baseURL: string;
  model: string;
  client: ClientKind;
}

/** Preprocesses (per mode) and forwards one chat; `prep_ms` and `prompt_ids` go into record.extra. */
export async function handleChat(
  req: GatewayRequest,
  mode: GatewayMode,
  strategy: Strategy | undefined,
  target: GatewayTarget,
  opts: { maxPromptIds: number; maxTokens: number; timeoutMs: number; idleTimeoutMs: number; signal?: AbortSignal },
): Promise<RequestRecord> {
  const start = performance.now();
  let ids: number[];
  try {
    if (mode === 'baseline') {
      if (!req.ids) throw new Error('baseline request without pre-computed ids');
      ids = req.ids;
    } else {
      const result = await strategy!.run({ op: 'prepare', messages: req.chat });
      // The default (clone) task encoding returns ids as a plain array.
      ids = result.ids as number[];
    }
  } catch (err) {
    return { start, chunkTimes: [], end: performance.now(), text: '', error: `preprocessing failed: ${(err as Error).message}` };
  }
  const prepMs = performance.now() - start;
  const prompt = truncateIds(ids, opts.maxPromptIds);
  const record = await streamRequest(target.client, {
    baseURL: target.baseURL,
    model: target.model,
    prompt,
    maxTokens: opts.maxTokens,
    ignoreEos: true,
    timeoutMs: opts.timeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    signal: opts.signal,
    start,
  });
  record.extra = { prep_ms: prepMs, prompt_ids: prompt.length, full_ids: ids.length };
  return record;
}
