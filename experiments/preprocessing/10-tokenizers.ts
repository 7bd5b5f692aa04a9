/**
 * Experiment 10 — which BPE tokenizer should a Node gateway use? Every JS tokenizer library that can load
 * the shipped vocabulary, ids checked against the Rust `tokenizers` (what Python transformers uses)
 * before anything is timed, then compared in paired rounds per model: tokens/s, load time and memory,
 * and whether an encode blocks the event loop. Per kind of text (English, many languages, code, the
 * synthetic generator's, the user's chats): ids on every timed passage, tokens/s, speedup, cold vs warm
 * passes and the memory a library's cache keeps (suites/preprocessing/tokenizer-kinds.ts). Pathological inputs (runs of up to 1M characters without
 * spaces, repeated characters) are encoded once each in a bounded child process: time, peak memory, ids,
 * and whether time grows super-linearly with the size (suites/preprocessing/pathological.ts).
 */
import { MODELS, templateVariantsFor } from '../../common/assets/models.ts';
import { TOKENIZER_LIBRARIES, loadLibrary, type LibraryId, type LibraryTokenizer } from '../../common/assets/tokenizer-libraries.ts';
import { caveatsOf, crosses, fmt, withCi, type Finding } from '../../common/results/findings.ts';
import { startLoopDelayMonitor } from '../../common/monitor/event-loop.ts';
import type { EncodeCall } from '../../common/assets/tokenizers.ts';
import { pairedRow, perRound, roundsSeed, runPairedRounds, variantRow, withRounds, type Variant } from '../../common/measure/paired-rounds.ts';
import { chatFor, referenceOf } from '../../common/measure/preprocessor-cache.ts';
import { loadCorpus } from '../../common/assets/corpus.ts';
import { FIXED_DATE_STRING } from '../../common/measure/pipeline.ts';
import { compileTemplate } from '../../common/templates/engines.ts';
import { hasFigure, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { adversarialTexts, compareIds, idsDifferenceText, pathologicalInputs } from '../../common/assets/tokenizer-parity.ts';
import { mean } from '../../common/stats/stats.ts';
import { sampleChats } from '../../common/text/chats-file.ts';
import { deriveSeed } from '../../common/stats/rng.ts';
import { PASSAGE_KINDS, passage, passages, type PassageKind } from '../../common/text/passages.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { tokenizerCharts } from '../../suites/preprocessing/charts/tokenizers.ts';
import { preprocessingOptions } from '../../suites/preprocessing/cli.ts';
import { writeTokenizersCsv } from '../../suites/preprocessing/tokenizers-file.ts';
import { BUDGETS, encodeBounded, pathologicalFinding, pathologicalRows, type Encoded } from '../../suites/preprocessing/pathological.ts';
import { cacheGrowth, encodeVariant, kindFindings, measureTextKind, type KindLibrary, type KindPlan } from '../../suites/preprocessing/tokenizer-kinds.ts';


/**
 * `check` loads every library and checks its ids; `speed` times the identical ones on one prompt size;
 * `text` checks and times every library on one kind of text (`text`: a kind, or the user's chats' label);
 * `cache` measures the memory each library keeps after many passages of a kind;
 * `pathological` encodes the pathological inputs with one library, in a bounded child process.
 */
interface Point {
  kind: 'check' | 'speed' | 'text' | 'cache' | 'pathological';
  model: string;
  tokens?: number;
  text?: string;
  library?: LibraryId;
}

const REFERENCE: LibraryId = 'native';
const BASELINE: LibraryId = 'hf';
/** Rendered chats' sizes; quick leaves 1k out: the kinds of text time passages of about 1k tokens. */
const SIZES = { quick: [10_000], full: [1_000, 10_000, 100_000] };
const ROUNDS = { quick: { rounds: 12, sliceMs: 20 }, full: { rounds: 30, sliceMs: 50 } };
/** Distinct prompts of one size, encoded in turn. */
const DISTINCT_PROMPTS = 8;
/** Chat lengths whose rendered prompts are checked, besides the adversarial texts. */
const CHECK_TURNS = [1, 10, 100];

function label(p: Point): string {
  if (p.kind === 'pathological') return `${p.model} ${p.library} pathological inputs`;
  if (p.kind === 'text' || p.kind === 'cache') return `${p.model} ${p.kind === 'cache' ? 'cache ' : ''}text=${p.text}`;
  return p.kind === 'check' ? `${p.model} ids and load` : `${p.model} tokens=${p.tokens}`;
}

/** The model's fullest chat template: the prompts are what a gateway would tokenize. */
const templateOf = (model: string): string => templateVariantsFor([model]).at(-1)!.id;

/** A rendered chat of about `tokens` content tokens (reference engine), as the tokenizer sees it. */
async function promptOf(model: string, tokens: number, turns: number, options: RunOptions): Promise<string> {
  const template = templateOf(model);
  const ref = await referenceOf({ template, engine: 'jinja', tokenizer: 'js' });
  return ref.render(chatFor(template, { seed: options.seed, turns, totalTokens: tokens, system: true }));
}

/** Libraries of a process, loaded once each (in a seeded order) with what loading cost. */
const loaded = new Map<string, Promise<{ library: LibraryId; outcome: Awaited<ReturnType<typeof loadLibrary>>; rssMb: number; heapMb: number }[]>>();

function loadAll(model: string, options: RunOptions) {
  let all = loaded.get(model);
  if (!all) {
    all = (async () => {
      const out = [];
      for (const library of TOKENIZER_LIBRARIES) {
        const gc = (globalThis as { gc?: () => void }).gc;
        gc?.();
        const before = process.memoryUsage();
        const outcome = await loadLibrary(library, model);
        gc?.();
        const after = process.memoryUsage();
        out.push({ library, outcome, rssMb: (after.rss - before.rss) / 2 ** 20, heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20 });
        options.progress(`${model}: loaded ${library}`);
      }
      return out;
    })();
    loaded.set(model, all);
  }
  return all;
}

interface Verdict {
  library: LibraryId;
  text: string;
  /** Undefined when identical; else where and how the ids differ. */
  differs?: string;
  /** Time of the check (both encodes): a library that is quadratic on a text shows here. */
  ms: number;
}

/** Every loaded library's ids on every checked text of the model, against the reference: once per process. */
const checked = new Map<string, Promise<Verdict[]>>();

function checkIdsOnce(model: string, options: RunOptions): Promise<Verdict[]> {
  let verdicts = checked.get(model);
  if (!verdicts) {
    verdicts = (async () => {
      const libs = await loadAll(model, options);
      const reference = libs.find((l) => l.library === REFERENCE)?.outcome;
      if (!reference?.ok) throw new Error(`the reference tokenizer (${REFERENCE}) does not load ${model}: ${reference && !reference.ok ? reference.reason : 'missing'}`);
      const chats = await Promise.all(CHECK_TURNS.map(async (turns) => ({ name: `chat ${turns} turns`, text: await promptOf(model, 1_000, turns, options) })));
      const texts = [...adversarialTexts(), ...chats, ...(await corpusRenders(model, options))];
      const out: Verdict[] = [];
      for (const { library, outcome } of libs) {
        if (!outcome.ok) continue;
        for (const { name, text } of texts) {
          const start = performance.now();
          const v = await compareIds(outcome.tokenizer, reference.tokenizer, text);
          const ms = performance.now() - start;
          out.push({ library, text: name, ms, differs: v.identical ? undefined : idsDifferenceText(v) });
        }
      }
      return out;
    })();
    checked.set(model, verdicts);
  }
  return verdicts;
}

/** Templates of the corpus whose 10-turn renders are checked too: other families' markup, tokenized with this model's vocabulary. */
const CORPUS_CHECKED = ['mistral:7b-instruct-fp16', 'gemma2:2b', 'phi4:14b', 'command-r:35b', 'deepseek-r1:8b'];

async function corpusRenders(model: string, options: RunOptions): Promise<{ name: string; text: string }[]> {
  const corpus = await loadCorpus();
  const messages = chatFor(templateOf(model), { seed: options.seed, turns: 10, totalTokens: 1_000 });
  return corpus
    .filter((t) => CORPUS_CHECKED.includes(t.id))
    .flatMap((t) => {
      try {
        const text = compileTemplate('jinja', t.source).render({ messages, add_generation_prompt: true, bos_token: t.bos_token, eos_token: t.eos_token, date_string: FIXED_DATE_STRING });
        return [{ name: `corpus ${t.id}`, text }];
      } catch {
        // A template that refuses this chat (e.g. a system message) has no render to check.
        return [];
      }
    });
}

async function runCheck(point: Point, options: RunOptions): Promise<RowInput[]> {
  const libs = await loadAll(point.model, options);
  const verdicts = await checkIdsOnce(point.model, options);
  const rows: RowInput[] = [];
  for (const { library, outcome, rssMb, heapMb } of libs) {
    const params: Params = { library };
    if (!outcome.ok) {
      rows.push({ params, metric: 'ids', unit: 'status', status: 'unsupported', error: outcome.reason });
      continue;
    }
    rows.push(
      { params, metric: 'load', unit: 'ms', value: outcome.loadMs, note: 'from the shipped tokenizer.json to a ready encoder (derived vocabularies come from the cache when built before)' },
      { params, metric: 'rss_added', unit: 'MB', value: rssMb, note: 'process RSS after loading minus before (after a full GC; libraries loaded one after another in a fixed order)' },
      { params, metric: 'heap_added', unit: 'MB', value: heapMb, note: 'V8 heap used after loading minus before (after a full GC); WASM and native memory are outside it' },
    );
    for (const v of verdicts.filter((x) => x.library === library)) {
      const where = { ...params, text: v.text };
      const took = `checked in ${v.ms.toFixed(0)} ms (both encodes, once)`;
      rows.push(v.differs ? { params: where, metric: 'ids', unit: 'status', status: 'unsupported', error: v.differs, note: took } : { params: where, metric: 'ids', unit: 'status', status: 'ok', note: `identical to tokenizers (Rust); ${took}` });
    }
  }
  return rows;
}

/** Loop delay during one encode of `text`: how long the event loop could not run a timer. */
async function loopBlocked(tokenizer: LibraryTokenizer, text: string): Promise<number> {
  const monitor = startLoopDelayMonitor(1);
  await new Promise((r) => setTimeout(r, 5));
  await tokenizer.encode(text);
  await new Promise((r) => setTimeout(r, 5));
  return monitor.stop().max;
}

async function runSpeed(point: Point, options: RunOptions): Promise<RowInput[]> {
  const libs = await loadAll(point.model, options);
  const verdicts = await checkIdsOnce(point.model, options);
  const reference = libs.find((l) => l.library === REFERENCE)!.outcome;
  if (!reference.ok) throw new Error(`the reference tokenizer does not load ${point.model}: ${reference.reason}`);
  // Distinct prompts in turn: a library's cache of pre-tokenized words (as @microsoft/tiktokenizer keeps)
  // must not see the same text at every call, which no gateway would.
  const prompts = await Promise.all(Array.from({ length: DISTINCT_PROMPTS }, (_, i) => promptOf(point.model, point.tokens!, Math.max(1, Math.round(point.tokens! / 100)), { ...options, seed: options.seed + i })));
  const counts = await Promise.all(prompts.map(async (p) => (await reference.tokenizer.encode(p)).length));
  const count = Math.round(mean(counts));
  const rows: RowInput[] = [];
  const timed: { library: LibraryId; tokenizer: LibraryTokenizer; variant: Variant; call: EncodeCall }[] = [];
  // Only a library with the reference's ids on every checked text and on these prompts gets a speed figure.
  for (const { library, outcome } of libs) {
    if (!outcome.ok) continue;
    const first = verdicts.find((v) => v.library === library && v.differs);
    const onPrompts = first ? [] : await Promise.all(prompts.map((p) => compareIds(outcome.tokenizer, reference.tokenizer, p)));
    const differing = onPrompts.find((v) => !v.identical);
    if (first || differing) {
      const why = first ? `${first.text}: ${first.differs}` : `a timed prompt: differs at token ${differing && !differing.identical ? differing.position : ''}`;
      rows.push({ params: { library, tokens: count }, metric: 'encode', unit: 'ms', status: 'unsupported', error: `${why}; no speed figure` });
      continue;
    }
    timed.push({ library, tokenizer: outcome.tokenizer, ...encodeVariant(outcome.tokenizer, prompts) });
  }
  if (timed.length === 0) return rows;
  const variants = timed.map((t) => t.variant);
  const mode = options.quick ? ROUNDS.quick : ROUNDS.full;
  const plan = { ...mode, minCalls: 1, warmupMs: options.plan.warmupTime, warmupCalls: options.plan.warmupIterations };
  const result = await runPairedRounds(variants, plan, roundsSeed(options, 10, count), { signal: options.signal, onRound: (d, t) => options.progress(`${label(point)}: round ${d}/${t}`) });
  const base = timed.find((t) => t.library === BASELINE);
  for (const { library, tokenizer, call } of timed) {
    const params = { library, tokens: count };
    const encode = variantRow(result, library, 'encode', `encode of a rendered ${point.model} chat (${DISTINCT_PROMPTS} distinct prompts in turn; ${Math.min(...counts)}–${Math.max(...counts)} tokens), special tokens as the template emits them; timed: ${call}${tokenizer.offThread ? ', off the calling thread, async round trip included' : ''}`, params);
    rows.push(encode, { params, metric: 'tokens_per_s', unit: 'tok/s', value: (1000 * count) / encode.summary!.median, note: 'prompt tokens / median encode time' });
    if (base && library !== BASELINE) rows.push(pairedRow('speedup_vs_hf', 'x', perRound(result, [BASELINE, library], (b, x) => b / x), "@huggingface/tokenizers' encode / this library's in the same round", params));
    if (point.tokens === Math.max(...sizesOf(options))) rows.push({ params, metric: 'loop_blocked', unit: 'ms', value: await loopBlocked(tokenizer, prompts[0]), note: 'longest event-loop delay (monitorEventLoopDelay max) during one encode of this prompt' });
  }
  return withRounds(rows, result);
}

const sizesOf = (options: RunOptions) => (options.quick ? SIZES.quick : SIZES.full);

/** Tokens of a passage of a kind (about: the passages are cut by characters). */
const KIND_TOKENS = 1_000;
/**
 * Paired rounds of a kind: `calls` passages per slice after `warmup` calls, every library walking the same
 * never-repeated passages: the figure must not depend on how often a text repeats (@microsoft/tiktokenizer's
 * 8192-piece LRU held 8 English passages taken in turn, 8M tokens/s here, but not 24: 0.7M in issue 27).
 */
const KIND_ROUNDS = { quick: { rounds: 8, calls: 3, warmup: 6 }, full: { rounds: 30, calls: 8, warmup: 16 } };
/** Cold vs warm: rounds, each with `fresh` never-seen passages of KIND_TOKENS. */
const COLD_WARM = { quick: { rounds: 6, fresh: 2 }, full: { rounds: 20, fresh: 4 } };
/**
 * Cache growth: memory after encoding `passages` distinct passages of `tokens` (a chat message's size:
 * 10k of them are ≈2M tokens, English passages then cover the Brown corpus twice), at a tenth and at all.
 * Quick keeps the two kinds of large vocabulary (each kind's full collections took ≈5 s of a process).
 */
const GROWTH = {
  quick: { passages: 300, tokens: 200, kinds: ['english', 'code'] as PassageKind[] },
  full: { passages: 10_000, tokens: 200, kinds: [...PASSAGE_KINDS] },
};

/** The texts of the `text` points: the passage kinds, then the user's chats when given. */
function textsOf(options: RunOptions): string[] {
  const file = preprocessingOptions(options).chats;
  return [...PASSAGE_KINDS, ...(file ? [file.label] : [])];
}

/** Independent seeded streams of one kind's passages: timed, warm-up, cold/warm, growth. */
const streamOf = (options: RunOptions, text: string, stream: number) => deriveSeed(options.seed, 10, PASSAGE_KINDS.indexOf(text as PassageKind), stream);

/** The loaded libraries, each with why it gets no speed figure when it differs on a checked adversarial text. */
async function kindLibraries(model: string, options: RunOptions): Promise<KindLibrary[]> {
  const libs = await loadAll(model, options);
  const verdicts = await checkIdsOnce(model, options);
  return libs.flatMap(({ library, outcome }) => {
    if (!outcome.ok) return [];
    const first = verdicts.find((v) => v.library === library && v.differs);
    return [{ library, tokenizer: outcome.tokenizer, excluded: first ? `${first.text}: ${first.differs}` : undefined }];
  });
}

async function runText(point: Point, options: RunOptions): Promise<RowInput[]> {
  const text = point.text!;
  const libraries = await kindLibraries(point.model, options);
  const reference = libraries.find((l) => l.library === REFERENCE);
  if (!reference) throw new Error(`the reference tokenizer (${REFERENCE}) does not load ${point.model}`);
  const cache = options.quick ? COLD_WARM.quick : COLD_WARM.full;
  const mode = options.quick ? KIND_ROUNDS.quick : KIND_ROUNDS.full;
  const plan: KindPlan = { rounds: { rounds: mode.rounds, sliceMs: 0, minCalls: mode.calls, warmupMs: 0, warmupCalls: mode.warmup }, seed: roundsSeed(options, 10, 1 + textsOf(options).indexOf(text)), baseline: BASELINE };
  const pool = mode.warmup + mode.rounds * mode.calls;
  let texts: string[];
  const file = preprocessingOptions(options).chats;
  if (file && text === file.label) {
    // The user's chats rendered by the model's template, each one text (in turn again when the file holds
    // fewer than the rounds take); those left after the timed ones are the never-seen texts of cold vs warm.
    const ref = await referenceOf({ template: templateOf(point.model), engine: 'jinja', tokenizer: 'js' });
    const rendered = sampleChats(file, pool + cache.rounds * cache.fresh + cache.fresh, options.seed).map((m) => ref.render(m));
    texts = rendered.slice(0, pool);
    const rest = rendered.slice(pool);
    const rounds = Math.min(cache.rounds, Math.floor((rest.length - cache.fresh) / cache.fresh));
    if (rounds >= 2) plan.coldWarm = { rounds, warmup: rest.slice(0, cache.fresh), fresh: (r) => rest.slice(cache.fresh * (r + 1), cache.fresh * (r + 2)) };
  } else {
    const kind = text as PassageKind;
    texts = passages(kind, KIND_TOKENS, pool, streamOf(options, text, 0));
    plan.coldWarm = { rounds: cache.rounds, warmup: passages(kind, KIND_TOKENS, cache.fresh, streamOf(options, text, 1)), fresh: (r) => passages(kind, KIND_TOKENS, cache.fresh, streamOf(options, text, 2), r * cache.fresh) };
  }
  return measureTextKind(text, texts, libraries, reference.tokenizer, plan, { signal: options.signal, progress: (m) => options.progress(`${point.model} ${m}`) });
}

/** Memory each library keeps after many distinct passages of a kind (every library that loads and passed the adversarial checks). */
async function runCache(point: Point, options: RunOptions): Promise<RowInput[]> {
  const kind = point.text as PassageKind;
  const { passages: n, tokens } = options.quick ? GROWTH.quick : GROWTH.full;
  const libraries = (await kindLibraries(point.model, options)).filter((l) => !l.excluded);
  const plan = { checkpoints: [n / 10, n], passage: (i: number) => passage(kind, tokens, streamOf(options, kind, 3), i), what: `${kind} passages of about ${tokens} tokens` };
  return cacheGrowth(kind, libraries, plan, { progress: (m) => options.progress(`${point.model} ${m}`) });
}

const budgetOf = (options: RunOptions) => (options.quick ? BUDGETS.quick : BUDGETS.full);

/** The reference's outcomes on the pathological inputs, once per process: every library's ids are checked against them. */
const referenceRuns = new Map<string, Promise<Encoded[]>>();

function referenceRun(model: string, options: RunOptions): Promise<Encoded[]> {
  let run = referenceRuns.get(model);
  if (!run) {
    run = encodeBounded(REFERENCE, model, pathologicalInputs(options.quick), budgetOf(options), options);
    referenceRuns.set(model, run);
  }
  return run;
}

async function runPathological(point: Point, options: RunOptions): Promise<RowInput[]> {
  const library = point.library!;
  const reference = await referenceRun(point.model, options);
  if (reference[0]?.outcome.status === 'unsupported') throw new Error(`the reference tokenizer (${REFERENCE}) does not load ${point.model}: ${reference[0].outcome.reason}`);
  if (library === REFERENCE) return pathologicalRows(library, reference, undefined, budgetOf(options));
  const encoded = await encodeBounded(library, point.model, pathologicalInputs(options.quick), budgetOf(options), options);
  return pathologicalRows(library, encoded, reference, budgetOf(options));
}

/** Quick: the selected models (default Llama 3.1 and Qwen3); full: every model whose vocabulary ships. */
const modelsOf = (options: RunOptions) => (options.quick ? preprocessingOptions(options).models : MODELS.map((m) => m.id));

export const tokenizers: Experiment<Point> = {
  id: 10,
  slug: 'tokenizers',
  title: 'Tokenizer libraries',
  question: 'Which BPE tokenizer library should a Node gateway use: which give the reference ids on the same vocabulary, how fast, heavy and blocking is each, and which turn super-linear on pathological inputs?',
  params: ['model', 'library', 'text', 'chars', 'tokens', 'passages'],
  reads: ['--chats'],
  onlyWhenNamed: 'it loads seven tokenizer libraries per model, checks their ids on adversarial texts and encodes pathological inputs in bounded child processes (1–2 minutes per model with --quick)',
  matrix: (options) =>
    modelsOf(options).flatMap((model) => [
      { kind: 'check' as const, model },
      ...sizesOf(options).map((tokens) => ({ kind: 'speed' as const, model, tokens })),
      ...textsOf(options).map((text) => ({ kind: 'text' as const, model, text })),
      ...(options.quick ? GROWTH.quick : GROWTH.full).kinds.map((text) => ({ kind: 'cache' as const, model, text })),
      ...TOKENIZER_LIBRARIES.map((library) => ({ kind: 'pathological' as const, model, library })),
    ]),
  // One bounded encode per input is the measurement; in every process, each kill would only repeat.
  // The memory kept after many passages is measured once too: each checkpoint's full collection takes ≈0.3 s.
  pointRuns: (p) => (p.kind === 'pathological' || p.kind === 'cache' ? 1 : undefined),
  headline: ['tokens_per_s', 'speedup_vs_hf', 'cold_warm', 'cache_memory', 'load', 'rss_added', 'loop_blocked'],
  charts: tokenizerCharts,
  label,
  coordinates: (p) => ({ model: p.model, ...(p.tokens ? { tokens: p.tokens } : {}), ...(p.text ? { text: p.text } : {}), ...(p.library ? { library: p.library } : {}) }),
  // The libraries of one model are loaded once per process and compared there; the pathological inputs
  // share the reference's outcomes in a process of their own, which loads no library itself.
  group: (p) => (p.kind === 'pathological' ? `tokenizer pathological ${p.model}` : `tokenizer libraries ${p.model}`),
  run: (point, options) => {
    if (point.kind === 'check') return runCheck(point, options);
    if (point.kind === 'speed') return runSpeed(point, options);
    if (point.kind === 'text') return runText(point, options);
    return point.kind === 'cache' ? runCache(point, options) : runPathological(point, options);
  },
  writeFiles: (rows, options) => writeTokenizersCsv(rows, options.runDir),
  answers(rows) {
    const findings: Finding[] = [];
    for (const model of [...new Set(rows.map((r) => String(r.model)).filter(Boolean))]) {
      // The rendered chats of each size (rows without a text; the kinds of text have findings of their own).
      const sized = rows.filter((r) => r.model === model && r.metric === 'speedup_vs_hf' && !r.text && hasFigure(r.status));
      const sizes = [...new Set(sized.map((r) => Number(r.tokens)))].sort((a, b) => a - b);
      for (const tokens of sizes) {
        const speedups = sized.filter((r) => Number(r.tokens) === tokens);
        const best = speedups.reduce((b, r) => (Number(r.median) > Number(b.median) ? r : b));
        const text = crosses(best, 1)
          ? `${model}, ${tokens} tokens: no identical library is measurably faster than @huggingface/tokenizers (best ${best.library}: ${withCi(best)}, paired per round)`
          : `${model}, ${tokens} tokens: the fastest identical library is ${best.library}, ${withCi(best)} ${Number(best.median) > 1 ? 'faster' : 'slower'} than @huggingface/tokenizers (paired per round)`;
        const rate = rows.find((r) => r.model === model && r.metric === 'tokens_per_s' && r.library === best.library && r.tokens === best.tokens && !r.text && hasFigure(r.status));
        findings.push({ id: `fastest-${model}-${tokens}`, chart: 'tokens-per-s', row: best, caveats: caveatsOf([best]), text: `${text}${rate ? `: ${fmt(Number(rate.median))} tokens/s` : ''}.` });
      }
      findings.push(...kindFindings(rows, model, PASSAGE_KINDS));
      const differ = rows.filter((r) => r.model === model && r.metric === 'ids' && r.error.startsWith('differs'));
      const unsupported = rows.filter((r) => r.model === model && r.metric === 'ids' && r.status === 'unsupported' && !r.error.startsWith('differs'));
      const byLibrary = (list: ResultRow[]) => [...new Map(list.map((r) => [r.library, r])).values()];
      if (differ.length + unsupported.length > 0) {
        const parts = [
          ...byLibrary(differ).map((r) => `${r.library} ${r.error} (${r.text})`),
          ...byLibrary(unsupported).map((r) => `${r.library} is unsupported (${r.error})`),
        ];
        findings.push({ id: `ids-${model}`, chart: 'tokens-per-s', caveats: [], text: `${model}: ${parts.join('; ')}.` });
      }
      const blocked = rows.filter((r) => r.model === model && r.metric === 'loop_blocked' && hasFigure(r.status));
      if (blocked.length > 0) {
        const parts = blocked.map((r) => `${r.library} ${withCi(r)}`);
        findings.push({ id: `blocking-${model}`, chart: 'tokens-per-s', caveats: caveatsOf(blocked), text: `${model}: the longest event-loop delay during one encode of the ${blocked[0].tokens}-token prompt: ${parts.join(', ')}.` });
      }
      const pathological = pathologicalFinding(rows, model);
      if (pathological) findings.push(pathological);
    }
    return findings;
  },
};

export default tokenizers;
