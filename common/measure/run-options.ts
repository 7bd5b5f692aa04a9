/** The options every experiment's matrix and run receive: the run's mode, the sampling plan, the run folder, each suite's own options. */
import type { SamplingPlan } from './timing.ts';
import type { Topology } from './topology.ts';

export interface RunOptions {
  quick: boolean;
  seed: number;
  /**
   * The machine that measured the rows (the running one; in `npm run merge`, the shard's): ratios that
   * depend on its cores and the `suspect` check read it. Undefined outside a run.
   */
  topology?: Topology;
  /** Which of the run's independent processes this is (0 outside a measuring child): seeds its paired rounds. */
  replicate?: number;
  plan: SamplingPlan;
  /** The run folder, for experiments that write a file of their own beside results.csv. */
  runDir: string;
  /** Set when the user pressed Ctrl-C: experiments should stop between measurements. */
  signal: AbortSignal;
  /** Progress within a point (e.g. "batch 3/10"), shown on stderr. */
  progress(detail: string): void;
  /**
   * Each suite's own options, keyed by suite name, as the suite's `cli.resolve` returned them from its
   * command-line flags. Plain data: they travel to the child processes over IPC.
   */
  suites: Readonly<Record<string, unknown>>;
}
