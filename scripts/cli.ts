/**
 * The `bench` command line (commander). Exit codes: 0 all rows ok, 1 some rows are errors,
 * 2 bad input (unknown experiment/model/engine/strategy, bad flag, malformed file), 130/143/129 stopped by
 * SIGINT/SIGTERM/SIGHUP (the run folder written all the same).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { join } from 'node:path';
import type { CliIO } from '../common/cli/cli-io.ts';
import { formatFindings, formatVerdict } from '../common/results/findings.ts';
import { InputError } from '../common/cli/input-error.ts';
import { OutputDirError, ensureWritableDir } from '../common/results/output-dir.ts';
import { Progress } from '../common/cli/progress.ts';
import { StopSignals } from '../common/cli/stop-signals.ts';
import { pointText, unstableSummary, type ResultRow } from '../common/results/results.ts';
import { durationIn, percentIn, wholeNumberIn } from '../common/cli/flag-ranges.ts';
import { formatText, summaryLines } from '../common/results/summary-table.ts';
import { FULL_PLAN, QUICK_PLAN } from '../common/measure/timing.ts';
import { runExperiments, type Selected } from '../suites/orchestrator.ts';
import type { Precision } from '../suites/precision.ts';
import { RunFiles } from '../suites/run-files.ts';
import { refuseUnreadFlags } from '../suites/suite-checks.ts';
import { DEFAULT_SUITE, allExperiments, allSuites, findExperiment, getSuite, loadExternalSuites } from '../suites/registry.ts';
import type { Suite } from '../suites/types.ts';
import type { Shard } from '../suites/work-plan.ts';
import { chartCount } from './report-command.ts';
import { resumeArgv } from './resume-argv.ts';

export type { CliIO } from '../common/cli/cli-io.ts';

/** Bad input: reported with exit code 2. */
export class UsageError extends Error {}


/** `--shard K/N`: the K-th of N parts of the work list, 1 ≤ K ≤ N. */
function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]) || Number(m[2]) > LIMITS.shards) throw new InvalidArgumentError(`'${value}' is not a shard: K/N with whole numbers 1 ≤ K ≤ N ≤ ${LIMITS.shards}, e.g. 1/4.`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/**
 * The ranges of the numeric flags. Runs: a process per point and replicate, each ≈1 s to start, so 1000
 * is days of a full matrix. Point timeout: a day (Node's timers end at 2^31−1 ms, ≈24.8 days). Seed: the
 * 32 bits the generators use. Shards: as many as the Kubernetes Job may have (scripts/k8s.ts).
 */
export const LIMITS = { runs: 1000, pointTimeout: 86_400, seed: 2 ** 32 - 1, shards: 100_000 };
/** --precision: the target half-width (%); --budget: the time the added processes may take (s). */
const PRECISION_LIMITS = { min: 0.5, max: 50, budgetMin: 1, budgetMax: 7 * 86_400, budgetDefault: 600 };

/** Processes per point: enough for a t-interval in quick mode, ≤ 5% half-width in a full run. */
export const DEFAULT_RUNS = { quick: 3, full: 8 };
/** Seconds a point may take before its child is killed (a full-matrix point takes up to about a minute). */
export const DEFAULT_POINT_TIMEOUT = { quick: 120, full: 600 };

interface BenchFlags {
  quick?: boolean;
  exp?: string[];
  suite?: string;
  list?: boolean;
  out: string;
  seed: number;
  progress: boolean;
  runs?: number;
  pointTimeout?: number;
  table?: boolean;
  shard?: Shard;
  resume?: string;
  precision?: number;
  budget?: number;
  /** Each suite's own flags, by commander's camelCase name. */
  [suiteFlag: string]: unknown;
}

export function selectExperiments(flags: { exp?: string[]; suite?: string }): Selected[] {
  if (flags.exp && flags.exp.length > 0) {
    return flags.exp.map((raw) => {
      if (!/^\d+$/.test(raw)) throw new UsageError(`experiment must be a number, got '${raw}'; valid: ${allExperiments().map((e) => e.experiment.id).join(', ')}`);
      try {
        const found = findExperiment(Number(raw));
        if (flags.suite && found.suite.name !== flags.suite) throw new UsageError(`experiment ${raw} belongs to suite '${found.suite.name}', not '${flags.suite}'`);
        return found;
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(err.message);
        throw err;
      }
    });
  }
  const suiteName = flags.suite ?? DEFAULT_SUITE;
  let suite;
  try {
    suite = getSuite(suiteName);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return suite.experiments.filter((experiment) => !experiment.onlyWhenNamed).map((experiment) => ({ suite, experiment }));
}

function listing(): string {
  const lines: string[] = [];
  for (const suite of allSuites()) {
    lines.push(`suite ${suite.name}: ${suite.description}`);
    for (const e of suite.experiments) lines.push(`  ${String(e.id).padStart(2)}  ${e.slug.padEnd(12)} ${e.question}${e.onlyWhenNamed ? ` [only with --exp ${e.id}: ${e.onlyWhenNamed}]` : ''}`);
    for (const line of suite.cli?.listing?.() ?? []) lines.push(`  ${line}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Each selected suite's options from its flags. A flag of a suite the run does not include is bad input:
 * silently ignoring it would measure something other than what the user asked for.
 */
function resolveSuiteOptions(program: Command, flags: BenchFlags, selection: Selected[]): Record<string, unknown> {
  const selected = new Set(selection.map((s) => s.suite.name));
  const resolved: Record<string, unknown> = {};
  for (const suite of allSuites()) {
    const options = suite.cli?.options() ?? [];
    if (!selected.has(suite.name)) {
      const given = options.find((o) => program.getOptionValueSource(o.attributeName()) === 'cli');
      if (given) throw new UsageError(`${given.long} is an option of suite '${suite.name}', which this run does not include (it runs: ${[...selected].join(', ')})`);
      continue;
    }
    if (!suite.cli) continue;
    const own = Object.fromEntries(options.map((o) => [o.attributeName(), flags[o.attributeName()]]).filter(([, v]) => v !== undefined));
    try {
      const experiments = selection.filter((s) => s.suite === suite).map((s) => s.experiment);
      refuseUnreadFlags(suite, experiments, new Set(options.filter((o) => program.getOptionValueSource(o.attributeName()) === 'cli').map((o) => o.long ?? o.flags)));
      resolved[suite.name] = suite.cli.resolve(own, { quick: !!flags.quick, experiments: experiments.map((e) => e.id) });
    } catch (err) {
      if (err instanceof InputError) throw new UsageError(err.message);
      throw err;
    }
  }
  return resolved;
}

/**
 * Over how many processes the unstable rows' intervals were taken: the rows' own counts (`runs`), which
 * after an interrupt are fewer than planned; a row of one process has no count.
 */
export function intervalSpan(unstable: readonly ResultRow[]): string {
  const counts = [...new Set(unstable.map((r) => (r.runs === '' ? 1 : Number(r.runs))))];
  if (counts.length > 1) return `over each row's processes (${counts.sort((a, b) => a - b).join(', ')}; results.csv's runs column)`;
  return counts[0] === 1 ? 'within the one process' : `over ${counts[0]} processes`;
}

/** --precision and --budget as the run's rule; --budget alone is bad input. */
function precisionOf(flags: BenchFlags): Precision | undefined {
  if (flags.precision === undefined) {
    if (flags.budget !== undefined) throw new UsageError('--budget is the time --precision may spend; give --precision too');
    return undefined;
  }
  return { target: flags.precision, budgetSeconds: flags.budget ?? PRECISION_LIMITS.budgetDefault };
}

async function bench(program: Command, flags: BenchFlags, io: CliIO, argv: readonly string[]): Promise<number> {
  if (flags.list) {
    io.stdout(listing());
    return 0;
  }
  const selection = selectExperiments(flags);
  const suites = resolveSuiteOptions(program, flags, selection);
  try {
    ensureWritableDir(flags.out);
  } catch (err) {
    if (err instanceof OutputDirError) throw new UsageError(`--out ${err.message}`);
    throw err;
  }

  const files = new RunFiles();
  const stop = new StopSignals({ say: io.stderr, state: () => files.describe(), quit: (code) => process.exit(code) });
  stop.install();
  const progress = new Progress(process.stderr, flags.progress);
  const options = { quick: !!flags.quick, seed: flags.seed, plan: flags.quick ? QUICK_PLAN : FULL_PLAN, signal: stop.controller.signal, suites };
  const mode = flags.quick ? 'quick' : 'full';
  const runs = flags.runs ?? DEFAULT_RUNS[mode];
  const pointTimeout = flags.pointTimeout ?? DEFAULT_POINT_TIMEOUT[mode];
  try {
    // An experiment's own default number of processes applies unless --runs says otherwise.
    const own = selection.map((s) => [s.experiment.id, s.experiment.runs?.[mode]] as const).filter((e): e is readonly [number, number] => e[1] !== undefined);
    const runsByExperiment = flags.runs === undefined ? Object.fromEntries(own) : {};
    const outcome = await runExperiments({ selection, outBase: flags.out, options, runs, runsByExperiment, pointTimeout, shard: flags.shard, args: { ...flags, suites, runs, pointTimeout }, progress, files, resume: flags.resume, precision: precisionOf(flags), argv });
    // An interrupted run or a shard says so before its answers (as summary.md and report.html do).
    if (outcome.notice) io.stderr(`\n${outcome.notice}\n`);
    if (flags.table) {
      const selections = selection.map((s) => ({ experiment: s.experiment.id, title: s.experiment.title, metrics: s.experiment.headline }));
      io.stderr(`\n${formatText(summaryLines(outcome.rows, selections))}\n`);
    }
    if (outcome.report) {
      const table = `the headline table in ${join(outcome.dir, 'summary.md')}${flags.table ? '' : '; --table prints it here'}`;
      // A run whose experiments declare no answers gets no empty "Answers:" heading, only where its table is.
      const answers = formatFindings(outcome.report.findings);
      io.stderr(`\n${formatVerdict(outcome.report.findings)}${answers ? `Answers (with ${table}):\n${answers}\n\n` : `No experiment of this run declares answers; ${table}.\n\n`}`);
    }
    io.stderr(`${outcome.rows.length} rows, ${outcome.errors.length} errors, ${unstableSummary(outcome.rows)}, ${outcome.suspect.length} suspect, wall ${outcome.wallSeconds.toFixed(1)} s → ${outcome.dir}\n`);
    if (outcome.unstable.length > 0) io.stderr(`  unstable: the 95% interval ${intervalSpan(outcome.unstable)} is wider than ±10% of the figure; --extend <folder> --precision 10% adds processes where it is wide. Absolute figures move with the machine's speed from one process to the next; most ratios and shares are paired within each process\n`);
    for (const s of outcome.suspect) io.stderr(`  suspect: exp ${s.experiment} ${pointText(s)} ${s.metric}: ${s.error}\n`);
    const saturated = outcome.rows.filter((r) => r.status === 'client_saturated');
    if (saturated.length > 0) io.stderr(`  client_saturated: ${saturated.length} rows, the measuring client fell behind its schedule; first: exp ${saturated[0].experiment} ${pointText(saturated[0])}: ${saturated[0].error}\n`);
    if (outcome.noiseWarning) io.stderr(`  warning: ${outcome.noiseWarning}\n`);
    if (outcome.report) io.stderr(`report: ${outcome.report.reportPath} (${chartCount(outcome.report.charts.length)}, rendered in ${(outcome.report.chartsMs / 1000).toFixed(2)} s)\n`);
    else io.stderr(`report: not written (see above); rebuild with npm run report -- ${outcome.dir}\n`);
    for (const e of outcome.errors) io.stderr(`  error: exp ${e.experiment} ${pointText(e)} ${e.metric}: ${e.error}\n`);
    return stop.exitCode ?? (outcome.errors.length > 0 ? 1 : 0);
  } finally {
    stop.dispose();
  }
}

/** `argv`: the arguments being parsed, recorded in env.json (a --resume goes on with them). */
export function buildProgram(io: CliIO, setExit: (code: number) => void, argv: readonly string[] = []): Command {
  const program = new Command('bench');
  program
    .description('prepbench: what LLM request preprocessing (chat template + tokenization) costs in Node.js, per execution strategy')
    .exitOverride()
    // A suite's option may share its name with an option of a suite's subcommand: program options go before a subcommand.
    .enablePositionalOptions()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .option('-q, --quick', 'reduced matrix and sample counts (2–3 minutes on 2 cores)')
    .option('-e, --exp <ids...>', 'experiment numbers to run (default: every experiment of the suite but those --list marks as only with --exp)')
    .option('-s, --suite <name>', `suite to run (${allSuites().map((s) => s.name).join(', ')}; default ${DEFAULT_SUITE})`)
    .option('-l, --list', 'list suites, their experiments and the names their options accept, then exit')
    .option('-o, --out <dir>', 'parent folder of the run folder (each run writes a new <out>/<timestamp>/)', 'results')
    .addOption(new Option('--seed <n>', `seed of the synthetic chats (0–${LIMITS.seed})`).default(42).argParser(wholeNumberIn(0, LIMITS.seed)))
    .option('--no-progress', 'no progress lines on stderr')
    .addOption(new Option('--shard <K/N>', 'measure only part K of N of the work list (whole process groups with all their replicates); npm run merge joins the shards').argParser(parseShard))
    .option('--resume <dir>', 'go on with a stopped run in its own folder: its arguments and seed from <dir>/env.json, only its missing processes measured, then results, summary and report from all of them (--no-progress and --table may be added)')
    .option('--extend <dir>', 'add processes to a finished (or stopped) run in its folder where its headline or flagged rows are wider than --precision (its own arguments from <dir>/env.json)')
    .addOption(new Option('--precision <P>', `after the planned processes, add processes to the groups whose headline or flagged rows are wider than ±P, widest first (two-stage rule, docs/methodology.md; ${PRECISION_LIMITS.min}–${PRECISION_LIMITS.max}%)`).argParser(percentIn(PRECISION_LIMITS.min, PRECISION_LIMITS.max)))
    .addOption(new Option('--budget <time>', `time the processes --precision adds may take, e.g. 5m (default ${PRECISION_LIMITS.budgetDefault / 60}m; 1 s–7 days)`).argParser(durationIn(PRECISION_LIMITS.budgetMin, PRECISION_LIMITS.budgetMax)))
    .option('--table', 'print the headline table of every experiment at the end (it is always in summary.md)')
    .addOption(new Option('--runs <n>', `fresh processes each point is measured in (default ${DEFAULT_RUNS.quick} with --quick, ${DEFAULT_RUNS.full} otherwise; 1–${LIMITS.runs})`).argParser(wholeNumberIn(1, LIMITS.runs)))
    .addOption(new Option('--point-timeout <seconds>', `kill a point's process after this long; the point becomes an error row (default ${DEFAULT_POINT_TIMEOUT.quick} with --quick, ${DEFAULT_POINT_TIMEOUT.full} otherwise; 1–${LIMITS.pointTimeout})`).argParser(wholeNumberIn(1, LIMITS.pointTimeout, 'a whole number of seconds')))
    .action(async (flags: BenchFlags) => setExit(await bench(program, flags, io, argv)));
  addSuiteOptions(program, allSuites());
  for (const suite of allSuites()) {
    // Inherited settings (exit override, output to `io`) are copied only by .command(), not by addCommand.
    for (const command of suite.cli?.commands?.(io, setExit) ?? []) program.addCommand(command.copyInheritedSettings(program).helpGroup(`Commands of suite ${suite.name}:`));
  }
  return program;
}

/** Each suite's flags, under a heading with the suite's name; two suites may not declare the same flag. */
function addSuiteOptions(program: Command, suites: readonly Suite[]): void {
  const owner = new Map<string, string>();
  for (const suite of suites) {
    for (const option of suite.cli?.options() ?? []) {
      const taken = program.options.find((o) => o.long === option.long || (option.short && o.short === option.short));
      if (taken) throw new Error(`suite '${suite.name}' declares ${option.flags}, which ${owner.get(taken.long ?? '') ? `suite '${owner.get(taken.long ?? '')}'` : 'the global command line'} already has`);
      owner.set(option.long ?? option.flags, suite.name);
      program.addOption(option.helpGroup(`Options of suite ${suite.name}:`));
    }
  }
}

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can call it). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  try {
    await loadExternalSuites();
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const effective = resumeArgv(argv);
    const program = buildProgram(io, (c) => (code = c), effective);
    await program.parseAsync(effective, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError || err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
