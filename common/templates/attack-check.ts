/**
 * Runs one hostile template (attack-corpus.ts) against one engine and judges it by what happened, not by
 * what the engine says: a payload is blocked when it left no side effect (no global set, no marker file
 * written, by the process or a shell it started) and either failed with an error or rendered harmlessly —
 * for a prototype-leak payload, text with nothing of the host in it (the other kinds may print their own
 * payload text as data, which is no leak). A resource-exhaustion payload is blocked only by an error: rendering
 * `range(10**7) | length` as "10000000" means the bound did not hold.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ATTACK_PAYLOADS, LEAK_PATTERN, type AttackPayload } from './attack-corpus.ts';
import { compileTemplate, type EngineId, type TemplateContext } from './engines.ts';
import type { RenderLimits } from './render-limits.ts';

export interface AttackOutcome {
  id: string;
  kind: AttackPayload['kind'];
  bound?: AttackPayload['bound'];
  engine: EngineId;
  blocked: boolean;
  /** How it ended: refused at compile, refused at render, rendered, or what ended the process. */
  how: string;
  /** The error message, the side effect seen, or the start of the rendered text. */
  detail: string;
  ms: number;
}

const CONTEXT: TemplateContext = {
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
  ],
  add_generation_prompt: true,
  bos_token: '<s>',
  eos_token: '</s>',
};

const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 160);

export function payloadById(id: string): AttackPayload {
  const payload = ATTACK_PAYLOADS.find((p) => p.id === id);
  if (!payload) throw new Error(`no attack payload '${id}'`);
  return payload;
}

/** `markerDir` must exist; the marker file of this check is removed before and after. */
export function checkPayload(engine: EngineId, payload: AttackPayload, limits: RenderLimits, markerDir: string): AttackOutcome {
  const marker = join(markerDir, `pwned-${engine}-${payload.id}`);
  rmSync(marker, { force: true });
  const global = globalThis as { PREPBENCH_PWNED?: unknown; PREPBENCH_MARKER?: string };
  delete global.PREPBENCH_PWNED;
  global.PREPBENCH_MARKER = marker;
  const source = payload.source;
  const start = performance.now();
  let how = 'rendered';
  let detail = '';
  let output = '';
  let threw = false;
  try {
    const template = compileTemplate(engine, source, limits);
    how = 'refused at render';
    output = template.render(CONTEXT);
    detail = oneLine(output);
    how = 'rendered';
  } catch (err) {
    threw = true;
    if (how === 'rendered') how = 'refused at compile';
    detail = oneLine(`${(err as Error).name}: ${(err as Error).message}`);
  }
  const ms = performance.now() - start;
  const sideEffects = [global.PREPBENCH_PWNED !== undefined && 'set a global', existsSync(marker) && 'wrote a file'].filter(Boolean);
  delete global.PREPBENCH_PWNED;
  delete global.PREPBENCH_MARKER;
  rmSync(marker, { force: true });
  const base = { id: payload.id, kind: payload.kind, bound: payload.bound, engine, ms };
  if (sideEffects.length > 0) return { ...base, blocked: false, how: `ran code (${sideEffects.join(', ')})`, detail };
  if (threw) return { ...base, blocked: true, how, detail };
  const leaked = payload.kind === 'prototype-leak' && LEAK_PATTERN.test(output);
  const blocked = payload.kind !== 'resource-exhaustion' && !leaked;
  return { ...base, blocked, how: leaked ? 'rendered host objects' : blocked ? 'rendered harmlessly' : 'rendered (bound did not hold)', detail };
}
