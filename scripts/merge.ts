/**
 * `npm run merge -- <shard folders...> [--out DIR] [--allow-partial]`: one run folder from the shards of
 * a `--shard K/N` run (suites/merge.ts). Exit codes: 0 merged, 2 bad input (a folder that is not a
 * shard, shards of different commits, arguments or plans, a duplicate or missing shard).
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { type CliIO, processIO } from '../common/cli/cli-io.ts';
import { Progress } from '../common/cli/progress.ts';
import { MergeInputError, mergeShards } from '../suites/merge.ts';
import { findExperiment, loadExternalSuites } from '../suites/registry.ts';
import { InputError } from '../common/cli/input-error.ts';

export async function runMergeCli(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = new Command('merge')
    .description('merge the run folders of the shards of one --shard K/N run into one run folder')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .argument('<shards...>', 'run folders written by npm run bench -- --shard K/N')
    .option('-o, --out <dir>', 'parent folder of the merged run folder', 'results')
    .option('--allow-partial', 'merge even if shards are missing (the gap is recorded in env.json)')
    .action(async (dirs: string[], flags: { out: string; allowPartial?: boolean }) => {
      // Suites kept outside the repository (PREPBENCH_SUITES) know their own charts and sections.
      await loadExternalSuites();
      const outcome = await mergeShards({ dirs, outBase: flags.out, allowPartial: flags.allowPartial, resolve: findExperiment, progress: new Progress(process.stderr, false) });
      const gap = outcome.missing.length > 0 ? ` (partial: shard${outcome.missing.length > 1 ? 's' : ''} ${outcome.missing.join(', ')} missing)` : '';
      io.stdout(`merged ${dirs.length} shard${dirs.length === 1 ? '' : 's'}${gap}: ${outcome.rows} rows → ${outcome.dir}\n`);
      if (outcome.notice) io.stdout(`${outcome.notice}\n`);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    if (err instanceof MergeInputError || err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    code = 1;
  }
  return code;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runMergeCli(process.argv.slice(2), processIO);
}
