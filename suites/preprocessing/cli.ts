/** The preprocessing suite's command-line options: models, template engines, execution strategies, worker counts, the chats' text. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MODEL_IDS, MODELS, TEMPLATE_VARIANTS, getModelSpec } from '../../common/assets/models.ts';
import { TOKENIZER_CHOICES, assertTokenizerChoice, type TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { TOKENIZERS } from '../../common/assets/tokenizers.ts';
import { chatsFileRecord, type ChatsFileRecord } from '../../common/text/chats-file.ts';
import { InputError } from '../../common/cli/input-error.ts';
import { nonEmptyList } from '../../common/cli/flag-ranges.ts';
import { DEFAULT_MESSAGES_LIMITS, parseMessagesLimit } from '../../common/cli/messages-file.ts';
import { STRATEGIES, assertStrategy, type StrategyId } from '../../common/strategies/index.ts';
import { ENGINES, assertEngine, type EngineId } from '../../common/templates/engines.ts';
import { DEFAULT_TEXT, MIX, TEXT_KINDS, assertTextKind } from '../../common/text/kinds.ts';
import { describeText, type TextRecord } from '../../common/text/sources.ts';
import type { RunOptions } from '../../common/measure/run-options.ts';
import type { SuiteCli } from '../types.ts';
import { renderCommand } from './render-command.ts';
import { DEFAULT_TOPSIS_WEIGHTS, parseTopsisWeights, type TopsisWeights } from './pipelines/choose.ts';
import { DEFAULT_LOOP_SLO_MS } from './pipelines/verdict.ts';

export interface PreprocessingOptions {
  /** Model ids (--models); their template variants are the templates measured. */
  models: string[];
  /** Template engines (--engines). */
  engines: EngineId[];
  /** Execution strategies (--strategies). */
  strategies: StrategyId[];
  /**
   * Tokenizers (--tokenizers): experiments 1 and 2 compare them; experiments 3 and 4 run the first one
   * that is not `native` in their main, pool and process strategies (the native strategy stays native).
   */
  tokenizers: TokenizerChoice[];
  /** Worker counts of the pool and process points (--workers); default: the experiment's own. */
  workers?: number[];
  /** The generated chats' text (--text), with its sources and their versions (env.json records it). */
  text: TextRecord;
  /** The user's chats (--chats): experiments 1, 3 and 4 measure them instead of generated ones; experiment 10 as one more kind of text. */
  chats?: ChatsFileRecord;
  /** Experiment 11's verdict: the loop-delay p99 a pipeline must stay under (--loop-slo), ms. */
  loopSloMs: number;
  /** Experiment 11's TOPSIS weights (--topsis-weights). */
  topsisWeights: TopsisWeights;
}

const DEFAULT_TOKENIZERS: readonly TokenizerChoice[] = TOKENIZERS;

const list = nonEmptyList;

/** Worker threads or processes per point: each loads a tokenizer (≈100 MB, ≈0.5–1 s). */
const MAX_WORKERS = 256;

/** `--workers 1,2,4`: distinct whole numbers ≥ 1, in ascending order. */
function parseWorkerList(value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.find((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_WORKERS);
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not a worker count (whole numbers from 1 to ${MAX_WORKERS}, comma-separated, e.g. 1,2,4,8).`);
  return [...new Set(items.map(Number))].sort((a, b) => a - b);
}

/** `--loop-slo 10`: milliseconds, 0.1–10000. */
function parseLoopSlo(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0.1 || ms > 10_000) throw new InvalidArgumentError(`'${value}' is not a loop-delay SLO: milliseconds from 0.1 to 10000, e.g. 10.`);
  return ms;
}

function parseWeights(value: string): TopsisWeights {
  const weights = parseTopsisWeights(value);
  if (typeof weights === 'string') throw new InvalidArgumentError(weights);
  return weights;
}

interface Flags {
  models?: string[];
  engines?: string[];
  strategies?: string[];
  tokenizers?: string[];
  workers?: number[];
  text?: string;
  chats?: string;
  loopSlo?: number;
  topsisWeights?: TopsisWeights;
}

export const preprocessingCli: SuiteCli<PreprocessingOptions> = {
  options: () => [
    new Option('-m, --models <list>', `comma-separated models (default ${DEFAULT_MODEL_IDS.join(',')})`).argParser(list),
    new Option('--engines <list>', `comma-separated template engines (${ENGINES.join(',')})`).argParser(list),
    new Option('--strategies <list>', `comma-separated strategies (default ${STRATEGIES.join(',')}; --quick: experiment 4 leaves process out when pool is selected)`).argParser(list),
    new Option('--tokenizers <list>', `comma-separated tokenizers (default ${DEFAULT_TOKENIZERS.join(',')}; any of ${TOKENIZER_CHOICES.join(', ')}): compared in experiments 1 and 2; the first that is not native runs the main, pool and process strategies of 3 and 4`).argParser(list),
    new Option('--workers <list>', 'worker counts of the pool and process points of experiments 3 and 4, e.g. 1,2,4,8,16 (default: the core count with --quick; 1, 2, 4 … 2×cores otherwise)').argParser(parseWorkerList),
    new Option('--text <kind>', `text of the generated chats: ${TEXT_KINDS.join(', ')} (default ${DEFAULT_TEXT}: per message ${mixText()}; synthetic: the 100-word generator)`),
    new Option('--loop-slo <ms>', `experiment 11's verdict: the event-loop delay p99 a pipeline must stay under (default ${DEFAULT_LOOP_SLO_MS} ms; 0.1–10000)`).argParser(parseLoopSlo),
    new Option('--topsis-weights <list>', `experiment 11's TOPSIS weights on requests/s per core, loop-delay p99, RSS (default ${Object.values(DEFAULT_TOPSIS_WEIGHTS).join(',')})`).argParser(parseWeights),
    new Option('--chats <file>', 'your own chats, measured as they are by experiments 1, 3 and 4 (each chat one request) and by 10 as a kind of text: OpenAI-style JSONL ({"messages": [...]} a line) or ShareGPT JSON ([{"conversations": [...]}])'),
  ],
  resolve(raw) {
    const flags = raw as Flags;
    const models = (flags.models ?? DEFAULT_MODEL_IDS).map((m) => getModelSpec(m).id);
    if (models.length === 0) throw new InputError('--models needs at least one model');
    return {
      models,
      engines: (flags.engines ?? [...ENGINES]).map(assertEngine),
      strategies: (flags.strategies ?? [...STRATEGIES]).map(assertStrategy),
      tokenizers: [...new Set((flags.tokenizers ?? [...DEFAULT_TOKENIZERS]).map(assertTokenizerChoice))],
      workers: flags.workers,
      text: describeText(assertTextKind(flags.text ?? DEFAULT_TEXT)),
      chats: flags.chats === undefined ? undefined : chatsFileRecord(flags.chats),
      loopSloMs: flags.loopSlo ?? DEFAULT_LOOP_SLO_MS,
      topsisWeights: flags.topsisWeights ?? DEFAULT_TOPSIS_WEIGHTS,
    };
  },
  commands: (io, setExit) => [
    new Command('render')
      .description('print the exact prompt a model template renders for a messages file (what the suite measures)')
      .requiredOption('--model <id>', `model (${MODELS.map((m) => m.id).join(', ')})`)
      .requiredOption('--messages <file>', 'JSON file: an array of {role, content}, or {messages, tools}')
      .option('--template <id>', `template variant (${TEMPLATE_VARIANTS.map((t) => t.id).join(', ')}; default the model's own)`)
      .option('--engine <name>', `template engine (${ENGINES.join(', ')})`, 'jinja')
      .option('--tokenizer <name>', `tokenizer (${TOKENIZER_CHOICES.join(', ')})`, 'js')
      .option('--ids', 'print the token ids (JSON) on stdout instead of the prompt')
      .option('--max-messages-mb <n>', `refuse a messages file larger than this, MB (default ${DEFAULT_MESSAGES_LIMITS.fileMb})`, parseMessagesLimit('fileMb'))
      .option('--max-message-chars <n>', `refuse a message whose content is longer than this, characters (default ${DEFAULT_MESSAGES_LIMITS.messageChars})`, parseMessagesLimit('messageChars'))
      .action(async (flags) => setExit(await renderCommand({ ...flags, engine: assertEngine(flags.engine), tokenizer: assertTokenizerChoice(flags.tokenizer) }, io))),
  ],
  listing: () => [
    `models: ${MODELS.map((m) => `${m.id}${m.default ? ' (default)' : ''}`).join(', ')}`,
    `templates: ${TEMPLATE_VARIANTS.map((t) => t.id).join(', ')}`,
    `engines: ${ENGINES.join(', ')}`,
    `tokenizers: ${TOKENIZER_CHOICES.join(', ')} (default ${DEFAULT_TOKENIZERS.join(',')}; experiment 10 says which give the reference ids)`,
    `strategies: ${STRATEGIES.join(', ')}`,
    `texts: ${TEXT_KINDS.join(', ')} (default ${DEFAULT_TEXT}: ${mixText()})`,
  ],
};

/** The mixed kind's proportions, e.g. "english 50%, code 25%, multilingual 25%". */
function mixText(): string {
  return Object.entries(MIX).map(([kind, p]) => `${kind} ${p * 100}%`).join(', ');
}

/** The preprocessing options of a run (the defaults of its mode when the run has none, e.g. in a test). */
export function preprocessingOptions(options: Pick<RunOptions, 'quick' | 'suites'>): PreprocessingOptions {
  return (options.suites.preprocessing as PreprocessingOptions | undefined) ?? preprocessingCli.resolve({}, { quick: options.quick });
}
