/** The inference suite's command-line options: targets, prompts, SLOs, client, the gateway modes of experiment 6. */
import { Option } from 'commander';
import { InputError } from '../../common/input-error.ts';
import type { RunOptions } from '../../common/run-options.ts';
import type { SuiteCli } from '../types.ts';
import { CLIENTS } from './client.ts';
import { GATEWAY_STRATEGIES, type GatewayStrategy } from './gateway.ts';
import { EMBEDDED_TARGET, resolveInferenceOptions, type InferenceFlags, type InferenceOptions } from './options.ts';

/** Everything experiments 5–7 read from the command line. */
export interface InferenceSuiteOptions extends InferenceOptions {
  /** How experiment 6's gateway preprocesses (the baseline, pre-computed ids, is always measured). */
  gateway: GatewayStrategy[];
}

/** Quick mode leaves out the process gateway (a process per replicate, like the preprocessing suite's quick strategies). */
const QUICK_GATEWAY: readonly GatewayStrategy[] = ['main', 'pool'];

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

interface Flags extends InferenceFlags {
  gateway?: string[];
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
    new Option('--gateway <list>', `gateway preprocessing strategies of experiment 6 (${GATEWAY_STRATEGIES.join(',')}; default ${QUICK_GATEWAY.join(',')} with --quick, all otherwise); the baseline is always measured`).argParser(list),
  ],
  resolve(raw, { quick }) {
    const flags = raw as Flags;
    return { ...resolveInferenceOptions(flags), gateway: gatewayStrategies(flags.gateway ?? [...(quick ? QUICK_GATEWAY : GATEWAY_STRATEGIES)]) };
  },
};

/** The inference options of a run (the embedded backend and the mode's defaults when the run has none, e.g. in a test). */
export function inferenceOf(options: Pick<RunOptions, 'quick' | 'suites'>): InferenceSuiteOptions {
  return (options.suites.inference as InferenceSuiteOptions | undefined) ?? { targets: [EMBEDDED_TARGET], slo: {}, gateway: [...(options.quick ? QUICK_GATEWAY : GATEWAY_STRATEGIES)] };
}
