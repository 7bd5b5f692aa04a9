/** The inference suite's command-line options: targets, prompts, SLOs, client, the gateway modes of experiment 6. */
import { Option } from 'commander';
import { nonEmptyList } from '../../common/cli/flag-ranges.ts';
import { InputError } from '../../common/cli/input-error.ts';
import type { RunOptions } from '../../common/measure/run-options.ts';
import type { SuiteCli } from '../types.ts';
import { CLIENTS } from './client.ts';
import { GATEWAY_STRATEGIES, type GatewayStrategy } from './gateway.ts';
import { GOODPUT_DEFAULTS } from './goodput-search.ts';
import { hasSlo } from './metrics.ts';
import { inRange, RANGES, resolveInferenceOptions, type InferenceFlags, type InferenceOptions } from './config.ts';
import { DEFAULT_SATURATION_THRESHOLD, type SaturationThreshold } from './saturation.ts';

/** The goodput search of experiment 9 (--search goodput). */
export interface SearchOptions {
  axis: 'rate' | 'concurrency';
  /** Share of requests that must meet every SLO, 0–1. */
  attainment: number;
  /** Relative width of the final bracket. */
  precision: number;
  /** First load measured (--search-start); default: the experiment's own. */
  start?: number;
}

/** Everything the inference experiments read from the command line. */
export interface InferenceSuiteOptions extends InferenceOptions {
  /** How experiment 6's gateway preprocesses (the baseline, pre-computed ids, is always measured). */
  gateway: GatewayStrategy[];
  /** Threads issuing requests and parsing streams (experiments 5 and 9). */
  loadWorkers: number;
  /** Send-lag p99 above which a point is client_saturated. */
  saturation: SaturationThreshold;
  /** Set by --search goodput: experiment 9 searches the highest load meeting the SLO. */
  search?: SearchOptions;
}

/** Quick mode leaves out the process gateway (a process per replicate, like the preprocessing suite's quick strategies). */
const QUICK_GATEWAY: readonly GatewayStrategy[] = ['main', 'pool'];

const list = nonEmptyList;

interface Flags extends InferenceFlags {
  gateway?: string[];
  loadWorkers?: string;
  saturation?: string;
  search?: string;
  searchAxis?: string;
  attainment?: string;
  searchPrecision?: string;
  searchStart?: string;
}

/** A number typed on the command line (NaN unless it is one: Number('') would be 0). */
const numberOf = (text: string): number => (/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : NaN);

/** `--load-workers 2`: threads. */
function loadWorkers(text: string | undefined): number {
  return text === undefined ? 1 : inRange('--load-workers', numberOf(text), RANGES.threads, `'${text}'`);
}

/** --saturation's share of the mean inter-arrival time, %. */
const SATURATION_PCT = { min: 0, aboveMin: true, max: 1000 };

/** `--saturation 5ms,10%`: the absolute floor and the share of the mean inter-arrival time. */
function saturation(text: string | undefined): SaturationThreshold {
  if (text === undefined) return DEFAULT_SATURATION_THRESHOLD;
  const m = /^\s*(\d+(?:\.\d+)?)\s*ms\s*,\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m) throw new InputError(`--saturation: '${text}' is not a limit; expected <ms>ms,<percent>%, e.g. 5ms,10%`);
  return { absMs: inRange('--saturation: ms', Number(m[1]), RANGES.ms, `'${m[1]}'`), pct: inRange('--saturation: percent', Number(m[2]), SATURATION_PCT, `'${m[2]}'`) };
}

/** `--attainment 0.9` or `90%`. */
function attainment(text: string | undefined): number {
  if (text === undefined) return GOODPUT_DEFAULTS.attainment;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value <= 1)) throw new InputError(`--attainment: '${text}' is not a share of requests; expected 0 < x ≤ 1 or a percentage, e.g. 0.9 or 90%`);
  return value;
}

function searchOptions(flags: Flags, slo: InferenceOptions['slo']): SearchOptions | undefined {
  const needsSearch = ['searchAxis', 'attainment', 'searchPrecision', 'searchStart'].find((k) => flags[k as keyof Flags] !== undefined);
  if (flags.search === undefined) {
    if (needsSearch) throw new InputError(`--${needsSearch.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --search goodput`);
    return undefined;
  }
  if (flags.search !== 'goodput') throw new InputError(`--search: unknown search '${flags.search}'; valid: goodput`);
  if (!hasSlo(slo)) throw new InputError('--search goodput needs an SLO: --slo ttft=…,tpot=… (milliseconds), or slo: in --config');
  const axis = flags.searchAxis ?? 'rate';
  if (axis !== 'rate' && axis !== 'concurrency') throw new InputError(`--search-axis: unknown axis '${axis}'; valid: rate, concurrency`);
  const precision = flags.searchPrecision === undefined ? GOODPUT_DEFAULTS.precision : Number(flags.searchPrecision);
  if (!(precision > 0 && precision < 1)) throw new InputError(`--search-precision: '${flags.searchPrecision}' is not a relative width; expected 0 < x < 1, e.g. 0.1`);
  const start = flags.searchStart === undefined ? undefined : inRange('--search-start', numberOf(flags.searchStart), axis === 'rate' ? RANGES.rate : RANGES.concurrency, `'${flags.searchStart}'`);
  return { axis, attainment: attainment(flags.attainment), precision, start };
}

function gatewayStrategies(names: string[]): GatewayStrategy[] {
  const bad = names.find((n) => !(GATEWAY_STRATEGIES as readonly string[]).includes(n));
  if (bad !== undefined) throw new InputError(`--gateway: unknown strategy '${bad}'; valid: ${GATEWAY_STRATEGIES.join(', ')}`);
  return names as GatewayStrategy[];
}

export const inferenceCli: SuiteCli<InferenceSuiteOptions> = {
  options: () => [
    new Option('--target <url>', 'OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (default: the embedded llama.cpp backend)'),
    new Option('--model <name>', 'model name served by --target (default: the first of GET /v1/models)'),
    new Option('--slo <list>', 'goodput SLOs in ms, e.g. ttft=500,tpot=50'),
    new Option('--config <file.yaml>', 'targets × prompts × concurrency (see docs/inference.md)'),
    new Option('--prompts <file.jsonl>', 'prompts dataset, one {"messages": [...]} or {"prompt": "..."} per line'),
    new Option('--client <kind>', `streaming client (${CLIENTS.join(', ')}; default fetch)`),
    new Option('--load-workers <n>', 'worker threads that issue requests and parse streams, following one seeded schedule (experiments 5 and 9; default 1: the main thread)'),
    new Option('--saturation <limit>', 'send-lag p99 above which a point is client_saturated: <ms>ms,<percent>% of the mean inter-arrival time, whichever is larger (default 5ms,10%)'),
    new Option('--search <kind>', 'experiment 9: search the highest load meeting the SLO (goodput; needs --slo)'),
    new Option('--search-axis <axis>', 'what the search varies: rate (Poisson requests/s, default) or concurrency'),
    new Option('--attainment <share>', `share of requests that must meet every SLO, e.g. 0.9 or 90% (default ${GOODPUT_DEFAULTS.attainment})`),
    new Option('--search-precision <x>', `relative width of the final bracket, (high − low) / low (default ${GOODPUT_DEFAULTS.precision})`),
    new Option('--search-start <load>', 'first load the search measures (default: 8 requests/s with --quick, 2 otherwise; concurrency 1)'),
    new Option('--gateway <list>', `gateway preprocessing strategies of experiment 6 (${GATEWAY_STRATEGIES.join(',')}; default ${QUICK_GATEWAY.join(',')} with --quick, all otherwise); the baseline is always measured`).argParser(list),
  ],
  resolve(raw, { quick }) {
    const flags = raw as Flags;
    const resolved = resolveInferenceOptions(flags);
    return {
      ...resolved,
      gateway: gatewayStrategies(flags.gateway ?? [...(quick ? QUICK_GATEWAY : GATEWAY_STRATEGIES)]),
      loadWorkers: loadWorkers(flags.loadWorkers),
      saturation: saturation(flags.saturation),
      search: searchOptions(flags, resolved.slo),
    };
  },
};

/** The inference options of a run (the embedded backend and the mode's defaults when the run has none, e.g. in a test). */
export function inferenceOf(options: Pick<RunOptions, 'quick' | 'suites'>): InferenceSuiteOptions {
  return (options.suites.inference as InferenceSuiteOptions | undefined) ?? inferenceCli.resolve({}, { quick: options.quick });
}
