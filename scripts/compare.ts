/**
 * `npm run compare -- <runA> <runB>`: is B different from A? For every row measured in both runs, the
 * ratio B/A with a 95% CI and a p-value: from the per-process figures (Welch's t-test on logs,
 * common/stats/replicate-stats.ts) when both runs measured the row in ≥ 2 processes, otherwise from the raw
 * samples (seeded bootstrap and Mann-Whitney U, common/stats/stats-compare.ts); marked like Node's benchmark/compare.js.
 * It ends with the findings (experiments' `answers`, computed for both runs) that changed, each with its
 * main row's verdict (common/compare/compare-findings.ts). Exit codes: 0 compared (differences are information, not
 * failures), 2 bad input (missing folder, no results.csv, unreadable file, bad flag).
 */
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { type CliIO, processIO } from '../common/cli/cli-io.ts';
import { CompareInputError, MIN_SAMPLES, compareRuns, envDifferences, loadRunForCompare } from '../common/compare/compare-runs.ts';
import { csvRecords, formatTable, listRows } from '../common/compare/compare-format.ts';
import { EXACT_MAX_PRODUCT } from '../common/stats/stats-compare.ts';
import { compareFindings, formatFindingsComparison } from '../common/compare/compare-findings.ts';
import { wholeNumberIn } from '../common/cli/flag-ranges.ts';
import { collectFindings } from '../common/results/findings.ts';
import { allExperiments, loadExternalSuites } from '../suites/registry.ts';
import { InputError } from '../common/cli/input-error.ts';

interface Flags {
  csv?: string;
  onlySignificant?: boolean;
  resamples: number;
  seed: number;
}

/** Resamples: each resamples every row's samples, so 100000 already takes minutes on a full run. */
const MAX_RESAMPLES = 100_000;

export async function runCompareCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command('compare')
    .description('compare two run folders: ratio B/A with a 95% CI and a test per row, over replicate processes (Welch) or, for single-process runs, samples (bootstrap + Mann-Whitney U)')
    .argument('<runA>', 'baseline run folder, e.g. results/2026-11-25T03-45-47Z')
    .argument('<runB>', 'run folder compared against it')
    .option('--csv <file>', 'also write the comparison as CSV')
    .option('--only-significant', 'only rows with p < 0.05')
    .option('--resamples <n>', `bootstrap resamples (1–${MAX_RESAMPLES})`, wholeNumberIn(1, MAX_RESAMPLES), 2000)
    .option('--seed <n>', `bootstrap seed (same seed → same intervals; 0–${2 ** 32 - 1})`, wholeNumberIn(0, 2 ** 32 - 1), 1)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .action((dirA: string, dirB: string, flags: Flags) => {
      const runA = loadRunForCompare(dirA);
      const runB = loadRunForCompare(dirB);
      const out: string[] = [];
      out.push(`A: ${dirA} (${runA.rows.length} rows)\nB: ${dirB} (${runB.rows.length} rows)\n`);
      for (const run of [runA, runB]) {
        if (!run.hasEnv) io.stderr(`warning: no readable env.json in ${run.dir}: environments not checked\n`);
        if (run.samplesMissing) io.stderr(`warning: no samples.jsonl in ${run.dir}: no row can be tested\n`);
      }
      const diffs = runA.hasEnv && runB.hasEnv ? envDifferences(runA.env, runB.env) : [];
      if (diffs.length > 0) {
        out.push(`\nWARNING: the runs were measured in different environments — differences may come from these, not from the code:\n`);
        for (const d of diffs) out.push(`  ${d}\n`);
      }
      const cmp = compareRuns(runA, runB, { resamples: flags.resamples, seed: flags.seed });
      const shown = flags.onlySignificant ? cmp.rows.filter((r) => r.verdict === 'tested' && r.p < 0.05) : cmp.rows;
      out.push('\n');
      out.push(shown.length > 0 ? formatTable(shown) : flags.onlySignificant ? 'no significant difference (p < 0.05)\n' : 'no rows in common\n');
      const tested = cmp.rows.filter((r) => r.verdict === 'tested');
      const count = (v: string): number => cmp.rows.filter((r) => r.verdict === v).length;
      out.push(
        `\n${cmp.rows.length} rows matched: ${tested.length} tested (${tested.filter((r) => r.p < 0.05).length} with p < 0.05), ` +
          `${count('too few samples')} with too few samples (n < ${MIN_SAMPLES}), ${count('no samples')} single values (no samples), ${count('not ok')} not ok in a run` +
          (flags.onlySignificant ? `; ${shown.length} shown` : '') + '\n',
      );
      out.push(
        `change = median B / median A − 1. Rows measured in ≥ 2 processes in both runs (test 'welch'): 95% CI of B/A and p from Welch's t-test ` +
          `on the log per-process figures (n = processes). Otherwise: 95% CI of that ratio from a percentile bootstrap (${flags.resamples} resamples, seed ${flags.seed}); ` +
          `p: two-sided Mann-Whitney U (exact without ties and n_A·n_B ≤ ${EXACT_MAX_PRODUCT}, else normal approximation with tie and continuity correction); ` +
          `* p<0.05, ** p<0.01, *** p<0.001. With many rows, a few * are expected by chance (1 in 20 at p<0.05).\n`,
      );
      if (cmp.onlyA.length > 0) out.push(`\nonly in A (${cmp.onlyA.length}):\n${listRows(cmp.onlyA).join('\n')}\n`);
      if (cmp.onlyB.length > 0) out.push(`\nonly in B (${cmp.onlyB.length}):\n${listRows(cmp.onlyB).join('\n')}\n`);
      // Findings of both runs from this checkout's experiments (their `answers`), matched by (experiment, id).
      const experiments = allExperiments().map((e) => e.experiment);
      const findingsOf = (run: typeof runA) => collectFindings(experiments, run.rows, { cores: Number(run.env.cores) || 1 });
      const findings = formatFindingsComparison(compareFindings(findingsOf(runA), findingsOf(runB), cmp.rows));
      if (flags.csv) {
        try {
          writeFileSync(flags.csv, stringify(csvRecords(shown)));
        } catch (err) {
          throw new CompareInputError(`cannot write ${flags.csv}: ${(err as Error).message}`);
        }
        out.push(`\nCSV: ${flags.csv}\n`);
      }
      out.push(findings);
      io.stdout(out.join(''));
    });
  try {
    // Suites kept outside the repository (PREPBENCH_SUITES) answer their own findings.
    await loadExternalSuites();
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2;
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CompareInputError || err instanceof InputError ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCompareCli(process.argv.slice(2), processIO);
}
