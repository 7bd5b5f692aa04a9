/**
 * Before an engine is timed on a template, its output is compared with the reference engine
 * (@huggingface/jinja) on the very chat being measured. A crash or a different prompt makes the point
 * `unsupported` with the reason — timing an engine that renders a different prompt would be a lie.
 */
import type { Preprocessor } from '../measure/pipeline.ts';
import { describeDifference, type ChatMessage } from './engines.ts';

export type Support = { ok: true; prompt: string } | { ok: false; reason: string };

export function checkSupport(candidate: Preprocessor, reference: Preprocessor, messages: ChatMessage[]): Support {
  let expected: string;
  try {
    expected = reference.render(messages);
  } catch (err) {
    return { ok: false, reason: `reference engine failed: ${(err as Error).message}` };
  }
  if (candidate === reference) return { ok: true, prompt: expected };
  let actual: string;
  try {
    actual = candidate.render(messages);
  } catch (err) {
    return { ok: false, reason: `${candidate.config.engine} cannot render ${candidate.config.template}: ${(err as Error).message}` };
  }
  if (actual !== expected) return { ok: false, reason: `${candidate.config.engine} output ${describeDifference(expected, actual)}` };
  return { ok: true, prompt: expected };
}
