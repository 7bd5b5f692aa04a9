/**
 * What a suite and an experiment are. An experiment is declarative: it names its parameter matrix
 * (full and quick) and measures one point at a time; the orchestrator does the rest — a fresh child
 * process per point group and replicate, error rows, writing, statistics across processes — the way
 * Node core's benchmark/ runner does.
 */
import type { Finding, FindingContext } from '../common/findings.ts';
import type { ResultRow, RowInput } from '../common/results.ts';
import type { ChartDefinition } from '../visualization/chart.ts';

// What a point's run sees: defined in common/ (which must not import suites/), re-exported for experiments.
export type { RunOptions } from '../common/run-options.ts';
import type { RunOptions } from '../common/run-options.ts';

export interface Experiment<P = any> {
  id: number;
  slug: string;
  title: string;
  /** The question the experiment answers, in one sentence. */
  question: string;
  /** Points to measure; `quick` selects the reduced matrix. */
  matrix(options: RunOptions): P[] | Promise<P[]>;
  /** Short label of a point for progress and error rows. */
  label(point: P): string;
  /** Coordinates of a point, copied into its error row if it fails. */
  coordinates(point: P): Partial<RowInput>;
  /**
   * Points with the same group key — across the experiments of a suite — share one child process (in
   * rotating order); by default every point gets its own. Group only points that cannot bias each
   * other, e.g. the same template and tokenizer. Prefix keys with what they share, so unrelated
   * experiments never collide by accident.
   */
  group?(point: P): string | undefined;
  /** Measures one point and returns tidy rows. Throwing produces one error row for the point. */
  run(point: P, options: RunOptions): Promise<RowInput[]>;
  /**
   * Rows computed from the rows of ONE replicate process set (ratios, shares): called once per
   * replicate, so each ratio pairs figures measured in the same round; the runner then combines the
   * per-replicate values into an interval.
   */
  derive?(rows: RowInput[], options: RunOptions): RowInput[];
  /** Files of the experiment's own (beside results.csv), from the combined rows; runs after Ctrl-C too. */
  writeFiles?(rows: RowInput[], options: RunOptions): void;
  /** A reason the combined row breaks a physical bound (status `suspect`), or undefined. */
  sanity?(row: RowInput): string | undefined;
  /** Metrics shown in the end-of-run summary table (all rows are in results.csv regardless). */
  headline?: string[];
  /**
   * Findings from the experiment's rows in results.csv (common/findings.ts): a few sentences with
   * figures and 95% intervals, at the top of report.html, summary.md and the terminal output.
   */
  answers?(rows: ResultRow[], context: FindingContext): Finding[];
  /** Releases what points shared (pools, caches). */
  teardown?(): Promise<void>;
  /**
   * Charts answering the experiment's question, built from its rows in results.csv (visualization/).
   * Rendered to `<id>-<chart>.vl.json/.svg/.png` and into report.html at the end of every run.
   */
  charts?: ChartDefinition[];
}

export interface Suite {
  name: string;
  /** URL of the module whose default export is this suite: child processes load it from there. */
  entry: string;
  description: string;
  experiments: Experiment[];
  /** Releases what the suite's experiments shared (e.g. worker pools), after its last experiment ran. */
  teardown?(): Promise<void>;
}
