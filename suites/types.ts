/**
 * What a suite and an experiment are. An experiment is declarative: it names its parameter matrix
 * (full and quick) and measures one point at a time; the orchestrator does the rest — a fresh child
 * process per point group and replicate, error rows, writing, statistics across processes — the way
 * Node core's benchmark/ runner does.
 */
import type { Finding, FindingContext } from '../common/results/findings.ts';
import type { Command, Option } from 'commander';
import type { CliIO } from '../common/cli/cli-io.ts';
import type { Params, ResultRow, RowInput } from '../common/results/results.ts';
import type { ChartDefinition } from '../visualization/chart.ts';

// What a point's run sees: defined in common/ (which must not import suites/), re-exported for experiments.
export type { RunOptions } from '../common/measure/run-options.ts';
import type { RunOptions } from '../common/measure/run-options.ts';

export interface Experiment<P = any> {
  id: number;
  slug: string;
  title: string;
  /** The question the experiment answers, in one sentence. */
  question: string;
  /**
   * Set when the experiment runs only when named (`--exp N`), not in its suite's default selection — with
   * the reason shown by --list (e.g. it takes minutes, or needs a flag).
   */
  onlyWhenNamed?: string;
  /**
   * The flags of its suite's CLI the experiment reads (long names, e.g. '--strategies'); `{ flag, unless }`
   * for one it ignores when another is given (experiment 1 reads --text unless --chats replaces the
   * generated chats). A flag some experiment of the suite declares is refused (exit 2, naming its
   * readers) in a run none of whose experiments reads it; a flag no experiment declares is read by all
   * (--models). Checked when the suite is registered: each must be a flag of the suite.
   */
  reads?: readonly FlagRead[];
  /**
   * Processes per point when --runs is not given, in a mode whose default does not suit it: for
   * experiments whose figures vary from one process to the next more than their rounds can narrow (the
   * measured reason sits beside each count). A mode left out uses the default.
   */
  runs?: { quick?: number; full?: number };
  /**
   * Processes a point is measured in when that is fewer than the experiment's, whatever --runs says:
   * for points that are one bounded measurement by design (experiment 10's pathological encodes, whose
   * kills would only repeat in every process). Undefined: the experiment's number.
   */
  pointRuns?(point: P): number | undefined;
  /** Points to measure; `quick` selects the reduced matrix. */
  matrix(options: RunOptions): P[] | Promise<P[]>;
  /**
   * The point parameters the experiment's rows carry (like Node core's `conf`): each becomes a column of
   * results.csv. A row with a parameter not listed here is an error.
   */
  params: readonly string[];
  /** Short label of a point for progress and error rows. */
  label(point: P): string;
  /** A point's parameters: the runner adds them to every row the point returns (a row's own `params` win) and to its error row. */
  coordinates(point: P): Params;
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
   * per-replicate values into an interval. It reads the records `answers` reads (ResultRow: a flat column
   * per parameter, `median`, `ci_low`…), at full precision, and makes rows as `run` does.
   */
  derive?: (rows: ResultRow[], options: RunOptions) => RowInput[];
  /**
   * Files of the experiment's own (beside results.csv), from its rows as results.csv holds them, once they
   * are on disk — after Ctrl-C too. `derive` only computes rows.
   */
  writeFiles?: (rows: ResultRow[], options: RunOptions) => void | Promise<void>;
  /**
   * An HTML section of report.html from the run folder (e.g. a table of a file `writeFiles` wrote), or
   * undefined; it is also called when `npm run report` rebuilds the report from disk.
   */
  reportSection?(runDir: string): string | undefined;
  /** A reason the combined row (full precision) breaks a physical bound (status `suspect`), or undefined. */
  sanity?: (row: ResultRow, options: RunOptions) => string | undefined;
  /** Metrics shown in the end-of-run summary table (all rows are in results.csv regardless). */
  headline?: string[];
  /**
   * Findings from the experiment's rows as results.csv holds them (common/results/findings.ts): a few
   * sentences with figures and 95% intervals, at the top of report.html, summary.md and the terminal output.
   */
  answers?: (rows: ResultRow[], context: FindingContext) => Finding[];
  /**
   * Charts answering the experiment's question, built from its rows in results.csv (visualization/).
   * Rendered to `<id>-<chart>.vl.json/.svg/.png` and into report.html at the end of every run.
   */
  charts?: ChartDefinition[];
}

/** A suite flag an experiment reads: always, or only when the flag `unless` is not given. */
export type FlagRead = string | { flag: string; unless: string };

/** A suite's own command-line options: the global CLI knows none of them. */
export interface SuiteCli<O = unknown> {
  /** The flags, shown under the suite's name in --help; names must not clash with another suite's. */
  options(): Option[];
  /**
   * The suite's options (plain data: they travel to child processes) from the parsed flags, keyed by
   * commander's camelCase names; throws common/cli/input-error.ts' InputError on bad input (exit 2). A flag
   * none of the run's experiments reads is refused before, from their `reads`; `experiments` (ids of
   * this suite; absent = all) are the run's, for options that depend on them.
   */
  resolve(flags: Record<string, unknown>, mode: { quick: boolean; experiments?: readonly number[] }): O;
  /** Lines for --list: the names its options accept (models, engines…). */
  listing?(): string[];
  /**
   * Subcommands of the suite's own (e.g. `render`), shown under its name in --help. Their actions write
   * through `io`, report their exit code with `setExit`, and throw InputError on bad input (exit 2).
   */
  commands?(io: CliIO, setExit: (code: number) => void): Command[];
}

export interface Suite {
  name: string;
  /** URL of the module whose default export is this suite: child processes load it from there. */
  entry: string;
  /**
   * URLs of the TypeScript modules its plain-JS worker entries load through common/build/import-ts.mjs (pool
   * workers, load workers): the runner prebuilds them with the child entry, so a worker starts without tsx.
   */
  workerModules?: string[];
  description: string;
  experiments: Experiment[];
  cli?: SuiteCli;
  /**
   * Files of the suite's own beside results.csv (e.g. one summary of all its experiments), from the rows
   * of each of its experiments as results.csv holds them, once they are on disk — after Ctrl-C too.
   */
  writeFiles?: (results: { experiment: Experiment; rows: ResultRow[] }[], options: RunOptions) => void | Promise<void>;
  /** Releases what the suite's experiments shared (e.g. worker pools), after its last experiment ran. */
  teardown?(): Promise<void>;
}
