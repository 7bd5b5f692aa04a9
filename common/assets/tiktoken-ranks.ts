/**
 * A Hugging Face tokenizer.json of the tiktoken family (byte-level BPE whose ids are its merge ranks, one
 * Split regex before the byte mapping: Llama 3, Qwen) rewritten as what tiktoken-style libraries take:
 * token bytes by rank, the added tokens as specials, and the split pattern. Deriving it means parsing a
 * 70–85 MB JSON, so the result is cached per process and on disk (git-ignored node_modules/.cache), keyed
 * by the source file's size and mtime.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_CACHE_DIR } from '../build/cache-dir.ts';
import { loadTokenizerJson, tokenizerFiles } from './models.ts';

export interface TiktokenVocabulary {
  /** Bytes of each regular token; the index is both its id and its BPE rank. */
  tokens: Uint8Array[];
  /** The file's added tokens (all of them: the reference matches non-special ones like `<think>` too). */
  specialTokens: Record<string, number>;
  /** The Split pre-tokenizer's regex, as written in tokenizer.json (Rust regex syntax). */
  pattern: string;
  /** tokenizer.json normalizes text to NFC (Qwen); the libraries do not, so adapters must. */
  nfc: boolean;
}

export type VocabularyOutcome = { ok: true; vocabulary: TiktokenVocabulary } | { ok: false; reason: string };

/** Bumped whenever derive() changes, so stale cache files are not read. */
const CACHE_FORMAT = 2;

interface CachedFile {
  format: number;
  outcome: { ok: true; tokens: string[]; specialTokens: Record<string, number>; pattern: string; nfc: boolean } | { ok: false; reason: string };
}

const memo = new Map<string, VocabularyOutcome>();

export function tiktokenVocabulary(model: string): VocabularyOutcome {
  let outcome = memo.get(model);
  if (!outcome) {
    outcome = fromDiskCache(model);
    memo.set(model, outcome);
  }
  return outcome;
}

function fromDiskCache(model: string): VocabularyOutcome {
  const source = tokenizerFiles(model).tokenizerJsonPath;
  const { size, mtimeMs } = statSync(source);
  const file = join(PROJECT_CACHE_DIR, `tiktoken-${model}-${size}-${Math.round(mtimeMs)}.json`);
  let cached: CachedFile | undefined;
  try {
    cached = JSON.parse(readFileSync(file, 'utf8')) as CachedFile;
    if (cached.format !== CACHE_FORMAT) cached = undefined;
  } catch {
    cached = undefined; // absent or unreadable: derive again
  }
  if (!cached) {
    const derived = derive(loadTokenizerJson(model) as TokenizerJson);
    cached = {
      format: CACHE_FORMAT,
      outcome: derived.ok
        ? { ok: true, ...derived.vocabulary, tokens: derived.vocabulary.tokens.map((t) => Buffer.from(t).toString('base64')) }
        : derived,
    };
    mkdirSync(PROJECT_CACHE_DIR, { recursive: true });
    // Write then rename, so a concurrent process never reads a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cached));
    renameSync(tmp, file);
  }
  const o = cached.outcome;
  if (!o.ok) return o;
  return { ok: true, vocabulary: { ...o, tokens: o.tokens.map((b) => new Uint8Array(Buffer.from(b, 'base64'))) } };
}

interface TokenizerJson {
  normalizer: { type: string; normalizers?: unknown[] } | null;
  pre_tokenizer: { type: string; pretokenizers?: any[] } | null;
  model: { type: string; vocab: Record<string, number>; byte_fallback?: boolean; dropout?: number | null };
  added_tokens: { id: number; content: string; lstrip: boolean; rstrip: boolean; single_word: boolean }[];
}

/** The tokenizer.json shapes a tiktoken-style encoder reproduces, or why this one is not among them. */
function derive(json: TokenizerJson): VocabularyOutcome {
  const { model } = json;
  if (model.type !== 'BPE' || model.byte_fallback || model.dropout)
    return { ok: false, reason: `not byte-level BPE (model ${model.type}${model.byte_fallback ? ' with byte fallback' : ''})` };
  const normalizer = json.normalizer?.type === 'Sequence' && json.normalizer.normalizers?.length === 0 ? null : json.normalizer; // DeepSeek: empty Sequence
  if (normalizer && normalizer.type !== 'NFC') return { ok: false, reason: `normalizer ${normalizer.type} has no tiktoken equivalent` };
  const pre = json.pre_tokenizer;
  const steps = pre?.type === 'Sequence' ? (pre.pretokenizers ?? []) : [pre];
  const splits = steps.filter((s) => s?.type === 'Split');
  const byteLevel = steps.at(-1);
  if (splits.length !== 1 || steps.length !== 2 || byteLevel?.type !== 'ByteLevel' || byteLevel.use_regex)
    return {
      ok: false,
      reason: `pre-tokenizer is ${steps.map((s) => s?.type).join(' → ')}; tiktoken-style encoders take exactly one split regex then the byte mapping`,
    };
  const split = splits[0];
  if (typeof split.pattern?.Regex !== 'string' || split.behavior !== 'Isolated' || split.invert)
    return { ok: false, reason: `Split pre-tokenizer is not an isolating regex (${JSON.stringify(split.pattern)}, ${split.behavior})` };
  const flagged = json.added_tokens.find((t) => t.lstrip || t.rstrip || t.single_word);
  if (flagged) return { ok: false, reason: `added token ${flagged.content} strips or matches whole words; tiktoken specials cannot` };

  const byteOf = unicodeToByte();
  const tokens: Uint8Array[] = [];
  for (const [text, id] of Object.entries(model.vocab)) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const b = byteOf.get(text.charCodeAt(i));
      if (b === undefined) return { ok: false, reason: `vocabulary token ${JSON.stringify(text)} is not byte-level` };
      bytes[i] = b;
    }
    tokens[id] = bytes;
  }
  // tiktoken's rank file and the array-based libraries index tokens by rank with no gaps.
  for (let id = 0; id < tokens.length; id++) if (!tokens[id]) return { ok: false, reason: `vocabulary has no token with id ${id}` };
  const specialTokens = Object.fromEntries(json.added_tokens.map((t) => [t.content, t.id]));
  return { ok: true, vocabulary: { tokens, specialTokens, pattern: split.pattern.Regex, nfc: normalizer?.type === 'NFC' } };
}

/** Inverse of GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest for 256 + n. */
function unicodeToByte(): Map<number, number> {
  const map = new Map<number, number>();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map.set(printable ? b : 256 + n++, b);
  }
  return map;
}

/** tiktoken's rank file: one `base64(bytes) rank` line per token (also what @microsoft/tiktokenizer reads). */
export function tiktokenRankFile(v: TiktokenVocabulary): string {
  return v.tokens.map((t, rank) => `${Buffer.from(t).toString('base64')} ${rank}`).join('\n');
}

/**
 * The pattern for JavaScript's RegExp (flags `gu`), which has no inline flags before Node 23: each
 * `(?i:…)` group of plain alternatives becomes `(?:…)` with every letter as `[xX]`. Undefined if the
 * pattern uses other constructs JavaScript lacks.
 */
export function jsPattern(pattern: string): string | undefined {
  const rewritten = pattern.replace(/\(\?i:([^()[\]\\]*)\)/g, (_, body: string) =>
    `(?:${body.replace(/\p{L}/gu, (c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`))})`,
  );
  try {
    new RegExp(rewritten, 'gu');
  } catch {
    return undefined;
  }
  return rewritten;
}
