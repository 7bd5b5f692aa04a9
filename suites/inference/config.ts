/**
 * What the inference suite takes from the command line and from a YAML config: targets, prompts,
 * concurrency / rates, bounds, SLOs. Everything is validated up front; a bad value raises an
 * InputError naming the field and the reason (the CLI turns it into exit code 2). Every number has a
 * stated range (RANGES). A target URL's userinfo never names a target: its default name shows `***`.
 */
import { parse as parseYaml } from 'yaml';
import { readRegularFile } from '../../common/cli/regular-file.ts';
import { redactUrlCredentials } from '../../common/cli/url-credentials.ts';
import { CLIENTS, type ClientKind } from './client.ts';
import type { Slo } from './metrics.ts';
import { InputError } from '../../common/cli/input-error.ts';

/** The values a numeric field or flag accepts. */
export interface Range {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** `min` itself is refused (a duration or a rate must be above 0). */
  aboveMin?: boolean;
  unit?: string;
}

/**
 * The longest a timer of a run may be set for, s: a day. Node fires a timer of more than 2^31−1 ms
 * (≈24.8 days) at once, which turned `timeout_s: 1e12` into every request failing immediately.
 */
const MAX_TIMER_S = 86_400;

/** The ranges of the suite's numbers, in the config file and on the command line. */
export const RANGES = {
  concurrency: { min: 1, max: 4096, integer: true },
  rate: { min: 0, aboveMin: true, max: 100_000, unit: 'requests/s' },
  requests: { min: 1, max: 1_000_000, integer: true },
  warmup: { min: 0, max: 10_000, integer: true },
  seconds: { min: 0, aboveMin: true, max: MAX_TIMER_S, unit: 'seconds' },
  /** Prompt and output lengths: up to the 128k-token context of Llama 3.1. */
  tokens: { min: 1, max: 131_072, integer: true, unit: 'tokens' },
  threads: { min: 1, max: 256, integer: true },
  /** SLO bounds and lag limits. */
  ms: { min: 0, aboveMin: true, max: MAX_TIMER_S * 1000, unit: 'ms' },
} as const satisfies Record<string, Range>;

function rangeText(r: Range): string {
  const unit = r.unit ? ` (${r.unit})` : '';
  return r.integer ? `a whole number from ${r.min} to ${r.max}${unit}` : `a number ${r.aboveMin ? '>' : '≥'} ${r.min} and ≤ ${r.max}${unit}`;
}

/** `x` when it is in `range`, else an InputError naming the field, the value (`given`: as typed) and the range. */
export function inRange(field: string, x: unknown, range: Range, given = JSON.stringify(x)): number {
  const ok = typeof x === 'number' && Number.isFinite(x) && (!range.integer || Number.isInteger(x)) && (range.aboveMin ? x > range.min : x >= range.min) && x <= range.max;
  if (!ok) throw new InputError(`${field}: must be ${rangeText(range)}, got ${given}`);
  return x as number;
}


export interface EmbeddedSpec {
  size?: 'tiny' | 'small';
  threads?: number;
  parallel?: number;
}

export interface TargetSpec {
  /** Name in rows and the summary (default: the URL, or 'embedded'). */
  name: string;
  /** OpenAI-compatible base URL (…/v1); absent = the embedded llama.cpp backend. */
  url?: string;
  /** Model name to request (default: the embedded backend's, or the first of GET /models). */
  model?: string;
  embedded?: EmbeddedSpec;
  client: ClientKind;
}

export interface PromptMessage {
  role: string;
  content: string;
}

/** One prompt of a dataset: chat messages or a completion prompt, with an optional output length. */
export interface DatasetPrompt {
  messages?: PromptMessage[];
  prompt?: string;
  maxTokens?: number;
}

export interface PromptSet {
  name: string;
  /** Synthetic prompts of about `inputTokens` tokens (seeded). */
  inputTokens?: number;
  /** Output tokens per request (ignore_eos forces exactly this many where supported). */
  outputTokens?: number;
  /** JSONL dataset, loaded and validated up front. */
  file?: string;
  prompts?: DatasetPrompt[];
}

export interface InferenceOptions {
  targets: TargetSpec[];
  slo: Slo;
  prompts?: PromptSet[];
  concurrency?: number[];
  rates?: number[];
  requests?: number;
  durationS?: number;
  warmup?: number;
  timeoutS?: number;
}

export const EMBEDDED_TARGET: TargetSpec = { name: 'embedded', client: 'fetch' };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `--slo ttft=500,tpot=50[,e2e=…]`, milliseconds. */
export function parseSlo(text: string): Slo {
  const slo: Slo = {};
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InputError(`--slo: empty; expected e.g. ttft=500,tpot=50 (milliseconds)`);
  for (const part of parts) {
    const m = /^([a-z0-9]+)\s*=\s*(.*)$/i.exec(part);
    if (!m) throw new InputError(`--slo: '${part}' is not key=value; expected e.g. ttft=500,tpot=50 (milliseconds)`);
    const key = m[1].toLowerCase();
    if (key !== 'ttft' && key !== 'tpot' && key !== 'e2e') throw new InputError(`--slo: unknown key '${m[1]}'; valid: ttft, tpot, e2e (milliseconds)`);
    slo[key] = inRange(`--slo: ${key}`, m[2].trim() === '' ? NaN : Number(m[2].replace(/ms$/, '')), RANGES.ms, `'${m[2]}'`);
  }
  return slo;
}

/** An OpenAI-compatible base URL (http or https); userinfo (user:password@) is kept for Basic auth. */
export function parseTargetUrl(text: string, field = '--target'): string {
  let url: URL;
  const shown = redactUrlCredentials(text);
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${field}: '${shown}' is not a URL; expected e.g. http://127.0.0.1:8000/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`${field}: '${shown}' must be http:// or https://`);
  return text.replace(/\/+$/, '');
}

/** A JSONL prompts file: one object per line, {"messages": [...]} or {"prompt": "..."}, optional "max_tokens". */
export function loadPromptsFile(path: string, field = '--prompts'): DatasetPrompt[] {
  const text = withField(field, () => readRegularFile(path, { mb: PROMPTS_FILE_MAX_MB, what: 'a prompts file' }));
  const prompts: DatasetPrompt[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new InputError(`${field}: ${where}: not valid JSON`);
    }
    if (!isObject(json)) throw new InputError(`${field}: ${where}: expected an object with "messages" or "prompt"`);
    const p: DatasetPrompt = {};
    if (json.messages !== undefined) {
      if (!Array.isArray(json.messages) || json.messages.length === 0) throw new InputError(`${field}: ${where}: "messages" must be a non-empty array`);
      json.messages.forEach((m, j) => {
        if (!isObject(m) || typeof m.role !== 'string' || typeof m.content !== 'string') throw new InputError(`${field}: ${where}: messages[${j}] needs string "role" and "content"`);
      });
      p.messages = json.messages as PromptMessage[];
    } else if (typeof json.prompt === 'string') {
      p.prompt = json.prompt;
    } else {
      throw new InputError(`${field}: ${where}: expected "messages" (array) or "prompt" (string)`);
    }
    const mt = json.max_tokens ?? json.output_tokens;
    if (mt !== undefined) p.maxTokens = inRange(`${field}: ${where}: "max_tokens"`, mt, RANGES.tokens);
    prompts.push(p);
  });
  if (prompts.length === 0) throw new InputError(`${field}: ${path} has no prompts`);
  return prompts;
}

// ---- YAML config ----

function fail(file: string, field: string, reason: string): never {
  throw new InputError(`${file}: ${field}: ${reason}`);
}

/** A config field's number, in its range. */
function num(file: string, field: string, x: unknown, range: Range): number {
  return inRange(`${file}: ${field}`, x, range);
}

function checkKeys(file: string, field: string, obj: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(file, `${field}${field ? '.' : ''}${k}`, `unknown field; valid: ${allowed.join(', ')}`);
}

function list<T>(file: string, field: string, x: unknown, item: (f: string, v: unknown) => T): T[] {
  const arr = Array.isArray(x) ? x : [x];
  if (arr.length === 0) fail(file, field, 'must not be empty');
  return arr.map((v, i) => item(Array.isArray(x) ? `${field}[${i}]` : field, v));
}

/**
 * Input files are read only when regular and within a size: a FIFO, /dev/zero or a huge file would stall
 * or end the process (common/cli/regular-file.ts). Every process of a run parses a prompts file.
 */
const PROMPTS_FILE_MAX_MB = 64;
const CONFIG_FILE_MAX_MB = 1;

/** `read()`, with the flag or field that named the file in front of its error. */
function withField(field: string, read: () => string): string {
  try {
    return read();
  } catch (err) {
    throw err instanceof InputError ? new InputError(`${field}: ${err.message}`) : err;
  }
}

/** Reads and validates a config file; relative dataset paths are relative to the config file. */
export function loadConfig(path: string): Partial<InferenceOptions> {
  const text = withField('--config', () => readRegularFile(path, { mb: CONFIG_FILE_MAX_MB, what: 'a config file' }));
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateConfig(doc, path);
}

export function validateConfig(doc: unknown, file = 'config'): Partial<InferenceOptions> {
  if (!isObject(doc)) fail(file, '(top level)', 'expected a mapping with targets, prompts, concurrency, …');
  checkKeys(file, '', doc, ['targets', 'prompts', 'concurrency', 'rate', 'requests', 'duration_s', 'warmup', 'timeout_s', 'slo']);
  const out: Partial<InferenceOptions> = {};
  if (doc.targets !== undefined) {
    out.targets = list(file, 'targets', doc.targets, (f, t) => {
      if (t === 'embedded') return { ...EMBEDDED_TARGET };
      if (!isObject(t)) fail(file, f, "expected a mapping with 'url' (and 'model'), or 'embedded'");
      checkKeys(file, f, t, ['name', 'url', 'model', 'client', 'embedded']);
      if (t.url === undefined && t.embedded === undefined) fail(file, f, "needs 'url' (an OpenAI-compatible base URL) or 'embedded'");
      if (t.url !== undefined && t.embedded !== undefined) fail(file, f, "has both 'url' and 'embedded'; give one");
      const spec: TargetSpec = { name: '', client: 'fetch' };
      if (t.url !== undefined) {
        if (typeof t.url !== 'string') fail(file, `${f}.url`, 'must be a string');
        try {
          spec.url = parseTargetUrl(t.url, `${f}.url`);
        } catch (err) {
          fail(file, `${f}.url`, (err as Error).message.replace(`${f}.url: `, ''));
        }
      }
      if (t.embedded !== undefined) {
        const e = t.embedded === true ? {} : t.embedded;
        if (!isObject(e)) fail(file, `${f}.embedded`, 'must be true or a mapping (size, threads, parallel)');
        checkKeys(file, `${f}.embedded`, e, ['size', 'threads', 'parallel']);
        if (e.size !== undefined && e.size !== 'tiny' && e.size !== 'small') fail(file, `${f}.embedded.size`, `must be tiny or small, got ${JSON.stringify(e.size)}`);
        spec.embedded = {
          size: e.size as EmbeddedSpec['size'],
          threads: e.threads === undefined ? undefined : num(file, `${f}.embedded.threads`, e.threads, RANGES.threads),
          parallel: e.parallel === undefined ? undefined : num(file, `${f}.embedded.parallel`, e.parallel, RANGES.concurrency),
        };
      }
      if (t.model !== undefined) {
        if (typeof t.model !== 'string' || t.model === '') fail(file, `${f}.model`, 'must be a non-empty string');
        spec.model = t.model;
      }
      if (t.client !== undefined) {
        if (!CLIENTS.includes(t.client as ClientKind)) fail(file, `${f}.client`, `must be one of ${CLIENTS.join(', ')}, got ${JSON.stringify(t.client)}`);
        spec.client = t.client as ClientKind;
      }
      if (t.name !== undefined && (typeof t.name !== 'string' || t.name === '')) fail(file, `${f}.name`, 'must be a non-empty string');
      // The name goes into every row and label: a URL in it never shows its credentials.
      spec.name = redactUrlCredentials((t.name as string | undefined) ?? spec.url ?? 'embedded');
      return spec;
    });
    const names = out.targets.map((t) => t.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) fail(file, 'targets', `two targets are named '${dup}'; give them distinct 'name's`);
  }
  if (doc.prompts !== undefined) {
    out.prompts = list(file, 'prompts', doc.prompts, (f, p) => {
      if (!isObject(p)) fail(file, f, "expected a mapping with 'input_tokens' or 'file'");
      checkKeys(file, f, p, ['name', 'input_tokens', 'output_tokens', 'file']);
      if (p.input_tokens === undefined && p.file === undefined) fail(file, f, "needs 'input_tokens' (synthetic prompts) or 'file' (JSONL dataset)");
      const set: PromptSet = { name: '' };
      if (p.input_tokens !== undefined) set.inputTokens = num(file, `${f}.input_tokens`, p.input_tokens, RANGES.tokens);
      if (p.output_tokens !== undefined) set.outputTokens = num(file, `${f}.output_tokens`, p.output_tokens, RANGES.tokens);
      if (p.file !== undefined) {
        if (typeof p.file !== 'string') fail(file, `${f}.file`, 'must be a path string');
        const base = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
        const path = p.file.startsWith('/') ? p.file : `${base}${p.file}`;
        set.file = path;
        set.prompts = loadPromptsFile(path, `${file}: ${f}.file`);
      }
      set.name = typeof p.name === 'string' ? p.name : set.file ? set.file.split('/').pop()! : `${set.inputTokens}in-${set.outputTokens ?? 'default'}out`;
      return set;
    });
  }
  if (doc.concurrency !== undefined) out.concurrency = list(file, 'concurrency', doc.concurrency, (f, x) => num(file, f, x, RANGES.concurrency));
  if (doc.rate !== undefined) out.rates = list(file, 'rate', doc.rate, (f, x) => num(file, f, x, RANGES.rate));
  if (doc.requests !== undefined) out.requests = num(file, 'requests', doc.requests, RANGES.requests);
  if (doc.duration_s !== undefined) out.durationS = num(file, 'duration_s', doc.duration_s, RANGES.seconds);
  if (doc.warmup !== undefined) out.warmup = num(file, 'warmup', doc.warmup, RANGES.warmup);
  if (doc.timeout_s !== undefined) out.timeoutS = num(file, 'timeout_s', doc.timeout_s, RANGES.seconds);
  if (doc.slo !== undefined) {
    if (!isObject(doc.slo)) fail(file, 'slo', 'expected a mapping like {ttft: 500, tpot: 50} (milliseconds)');
    checkKeys(file, 'slo', doc.slo, ['ttft', 'tpot', 'e2e']);
    out.slo = {};
    for (const k of ['ttft', 'tpot', 'e2e'] as const) if (doc.slo[k] !== undefined) out.slo[k] = num(file, `slo.${k}`, doc.slo[k], RANGES.ms);
  }
  return out;
}

export interface InferenceFlags {
  target?: string;
  model?: string;
  slo?: string;
  config?: string;
  prompts?: string;
  client?: string;
}

/** Merges flags over the config file (flags win); the embedded backend when no target is given. */
export function resolveInferenceOptions(flags: InferenceFlags): InferenceOptions {
  const config = flags.config ? loadConfig(flags.config) : {};
  let client: ClientKind | undefined;
  if (flags.client !== undefined) {
    if (!CLIENTS.includes(flags.client as ClientKind)) throw new InputError(`--client: unknown client '${flags.client}'; valid: ${CLIENTS.join(', ')}`);
    client = flags.client as ClientKind;
  }
  let targets: TargetSpec[];
  if (flags.target !== undefined) {
    const url = parseTargetUrl(flags.target);
    targets = [{ name: redactUrlCredentials(url), url, model: flags.model, client: client ?? 'fetch' }];
  } else {
    if (flags.model !== undefined) throw new InputError('--model needs --target (the embedded backend serves its own model)');
    targets = (config.targets ?? [EMBEDDED_TARGET]).map((t) => ({ ...t, client: client ?? t.client }));
  }
  let prompts = config.prompts;
  if (flags.prompts !== undefined) {
    const file = flags.prompts;
    prompts = [{ name: file.split('/').pop()!, file, prompts: loadPromptsFile(file) }];
  }
  return {
    ...config,
    targets,
    prompts,
    slo: flags.slo !== undefined ? parseSlo(flags.slo) : (config.slo ?? {}),
  };
}
