/** The options every experiment's matrix and run receive: what the user selected, the sampling plan, the run folder. */
import type { InferenceOptions } from '../suites/inference/options.ts';
import type { SamplingPlan } from './timing.ts';

export interface RunOptions {
  quick: boolean;
  seed: number;
  /** Model ids selected with --models (defaults: the registry's default set). */
  models: string[];
  /** Engines and strategies may be narrowed from the CLI. */
  engines: string[];
  /** Execution strategies selected with --strategies. */
  strategies: string[];
  /** Worker counts of the pool and process points (--workers); default: the experiment's own. */
  workers?: number[];
  plan: SamplingPlan;
  /** The run folder, for experiments that write a file of their own beside results.csv. */
  runDir: string;
  /** Set when the user pressed Ctrl-C: experiments should stop between measurements. */
  signal: AbortSignal;
  /** Progress within a point (e.g. "batch 3/10"), shown on stderr. */
  progress(detail: string): void;
  /** Inference suite: targets, prompts, load and SLOs (--target/--model/--slo/--config/--prompts); default the embedded backend. */
  inference?: InferenceOptions;
}
