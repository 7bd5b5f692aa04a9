/**
 * `npm run report -- results/<run>`: rebuilds the charts and report.html of a finished run folder from
 * its results.csv and env.json, without measuring anything. Exit codes: 0 done, 1 some chart failed
 * (the others and the report are still written), 2 bad input (no such run folder, no results.csv).
 */
import { Command, CommanderError } from 'commander';
import type { CliIO } from '../common/cli/cli-io.ts';
import { allExperiments, loadExternalSuites } from '../suites/registry.ts';
import { RunFolderError, loadRun } from '../common/results/run-folder.ts';
import { buildReport, chartProblems } from '../visualization/build-report.ts';

/** "1 chart", "3 charts". */
export const chartCount = (n: number): string => `${n} chart${n === 1 ? '' : 's'}`;

export async function runReportCli(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = new Command('report')
    .description('rebuild the charts (<exp>-<chart>.vl.json/.svg/.png) and report.html of a run folder, without re-measuring')
    .argument('<run>', 'a run folder, e.g. results/2026-11-25T03-45-47Z')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .action(async (dir: string) => {
      // Suites kept outside the repository (PREPBENCH_SUITES) know their own charts and sections.
      await loadExternalSuites();
      const outcome = await buildReport(loadRun(dir), allExperiments().map((e) => e.experiment));
      for (const c of outcome.charts) io.stdout(`${c.error ? 'FAILED' : 'ok    '} ${c.files.join(' ') || c.name}\n`);
      io.stdout(`${chartCount(outcome.charts.length)} rendered in ${(outcome.chartsMs / 1000).toFixed(2)} s → ${outcome.reportPath}\n`);
      if (outcome.notice) io.stdout(`${outcome.notice}\n`);
      const problems = chartProblems(outcome);
      for (const p of problems) io.stderr(`${p}\n`);
      code = problems.length > 0 ? 1 : 0;
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    if (err instanceof RunFolderError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
