/**
 * What to send, as data: a load worker cannot receive a closure, so a run that spreads over worker threads
 * describes its requests with a plan every thread turns into the same sender. Request i uses prompt
 * i mod prompts.length (warm-ups, negative, wrap the same way).
 */
import { streamRequest, type ClientKind } from './client.ts';
import type { SendRequest } from './load-phase.ts';

export interface PlannedPrompt {
  messages?: { role: string; content: string }[];
  prompt?: string | number[];
  /** Overrides the plan's maxTokens for this prompt. */
  maxTokens?: number;
}

export interface RequestPlan {
  client: ClientKind;
  baseURL: string;
  model: string;
  prompts: PlannedPrompt[];
  maxTokens: number;
  ignoreEos?: boolean;
  timeoutMs: number;
  idleTimeoutMs?: number;
  /** Extra body fields. */
  extra?: Record<string, unknown>;
}

/** The prompt of request `index`. */
function plannedPrompt(plan: RequestPlan, index: number): PlannedPrompt {
  const n = plan.prompts.length;
  return plan.prompts[((index % n) + n) % n];
}

export function planSender(plan: RequestPlan): SendRequest {
  if (plan.prompts.length === 0) throw new Error('a request plan needs at least one prompt');
  return (index, signal) => {
    const p = plannedPrompt(plan, index);
    return streamRequest(plan.client, {
      baseURL: plan.baseURL,
      model: plan.model,
      ...(p.messages ? { messages: p.messages } : { prompt: p.prompt }),
      maxTokens: p.maxTokens ?? plan.maxTokens,
      ignoreEos: plan.ignoreEos,
      timeoutMs: plan.timeoutMs,
      idleTimeoutMs: plan.idleTimeoutMs,
      extra: plan.extra,
      signal,
    });
  };
}
