/**
 * Experiment 11's candidate screen for one model and text: engines that render the batch identically to
 * the reference, libraries whose ids equal the reference's on it (candidates.ts), and the fastest of them
 * by a short interleaved timing. The first process of a run screens and writes the outcome into the run
 * folder; the later ones read it, so every process measures the same pipelines (a timing screen could
 * rank two close libraries differently from one process to the next) and none pays the screen again
 * (loading every library takes ≈5–8 s here). A later process still checks the chosen libraries' ids on its
 * batch, which is the same batch (same seed). An engine must also block every hostile template of the
 * attack corpus (experiment 8's check, run once per run): a gateway renders templates from model files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENIZER_CHOICES, identicalIds, prepareTokenizer, type TokenizerChoice } from '../../../common/assets/tokenizer-choice.ts';
import { loadTokenizer } from '../../../common/assets/tokenizers.ts';
import { preprocessor } from '../../../common/measure/preprocessor-cache.ts';
import type { RowInput } from '../../../common/results/results.ts';
import type { ChatMessage, EngineId } from '../../../common/templates/engines.ts';
import { ATTACK_LIMITS, runAttackCorpus } from '../../../common/templates/attack-isolated.ts';
import { fastestLibraries, interleavedMs, sameRendering, screenLibraries, type Loaded } from './candidates.ts';

export interface Screen {
  /** Engines to measure, fastest first. */
  engines: EngineId[];
  /** Identical libraries to measure, fastest first (js besides, for the default). */
  libraries: TokenizerChoice[];
  /** The screen's rows: exclusions with their reasons, and the screen timings. */
  rows: RowInput[];
}

export interface ScreenRequest {
  key: string;
  model: string;
  template: string;
  batch: ChatMessage[][];
  prompts: string[];
  engines: EngineId[];
  keep: { engines: number; libraries: number };
  runDir: string;
}

function fileOf(runDir: string, key: string): string {
  return join(runDir, 'pipelines-screen', `${key.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
}

/** The result in `file` if an earlier process of the run wrote it, else `compute`'s, written there. */
async function once<T>(file: string, compute: () => Promise<T>): Promise<T> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const value = await compute();
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 1));
  return value;
}

/** Per engine, the attack payloads it did not block (empty: it blocks them all), under experiment 8's bounds. */
function sandboxOf(engines: EngineId[], runDir: string): Promise<Record<string, string[]>> {
  return once(join(runDir, 'pipelines-screen', 'sandbox.json'), async () => {
    const outcomes = await runAttackCorpus(engines, ATTACK_LIMITS);
    return Object.fromEntries(engines.map((e) => [e, outcomes.filter((o) => o.engine === e && !o.blocked).map((o) => `${o.id} (${o.how})`)]));
  });
}

export async function screenCandidates(req: ScreenRequest): Promise<Screen> {
  const file = fileOf(req.runDir, req.key);
  const first = !existsSync(file);
  const saved = await once(file, () => screenNow(req));
  if (first) return saved;
  // Chosen by an earlier process: its libraries must give the reference's ids here too.
  for (const choice of saved.libraries) {
    const differs = await identicalIds(req.model, choice, req.prompts);
    if (differs) throw new Error(`library ${choice}, chosen by this run's first process, ${differs} in this one`);
  }
  return saved;
}

async function screenNow(req: ScreenRequest): Promise<Screen> {
  const rows: RowInput[] = [];
  const excluded = (params: Record<string, string>, reason: string) => rows.push({ params, metric: 'candidate', unit: 'status', status: 'unsupported', error: reason });
  const renderers: { engine: EngineId; render: () => void }[] = [];
  const open = await sandboxOf(req.engines, req.runDir);
  for (const engine of req.engines) {
    if (open[engine].length > 0) {
      excluded({ engine }, `does not block ${open[engine].length} hostile templates of the attack corpus: ${open[engine].join(', ')}`);
      continue;
    }
    const pre = await preprocessor({ template: req.template, engine, tokenizer: 'js' });
    const differs = sameRendering(req.prompts, req.batch.map((m) => pre.render(m)));
    if (differs) excluded({ engine }, `renders the batch differently from @huggingface/jinja: ${differs}`);
    else renderers.push({ engine, render: () => req.batch.forEach((m) => pre.render(m)) });
  }
  const renderMs = interleavedMs(renderers.map((r) => r.render));
  const note = (what: string) => `${what}; median of 3 interleaved passes in the run's first process, which picks what is measured`;
  renderers.forEach((r, i) => rows.push({ params: { engine: r.engine }, metric: 'screen_render_ms', unit: 'ms', value: renderMs[i], note: note(`rendering the batch identically to the reference`) }));
  const engines = renderers
    .map((r, i) => ({ engine: r.engine, ms: renderMs[i] }))
    .sort((a, b) => a.ms - b.ms)
    .slice(0, req.keep.engines)
    .map((e) => e.engine);
  const loaded: Loaded[] = await Promise.all(
    TOKENIZER_CHOICES.filter((c) => c !== 'native').map(async (choice) => {
      try {
        return { choice, tokenizer: await prepareTokenizer(req.model, choice) };
      } catch (err) {
        return { choice, reason: (err as Error).message };
      }
    }),
  );
  const screened = await screenLibraries(loaded, loadTokenizer(req.model, 'native'), req.prompts);
  for (const s of screened) {
    if (s.excluded) excluded({ tokenizer: s.choice }, s.excluded);
    else rows.push({ params: { tokenizer: s.choice }, metric: 'screen_tokens_per_s', unit: 'tok/s', value: s.tokensPerS!, note: note('ids identical to the reference on every prompt of the batch; tokens/s') });
  }
  return { engines, libraries: fastestLibraries(screened, req.keep.libraries), rows };
}
