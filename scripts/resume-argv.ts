/**
 * `bench --resume DIR`: the run goes on with the arguments it was started with (env.json's argv, its seed
 * among them), so the plan is the same and only its missing processes are measured. Only flags that
 * change how the run reports may be added; any other would make the rest differ from what was measured.
 */
import { InputError } from '../common/input-error.ts';
import { previousRun } from '../suites/resume.ts';

/** Flags a resumed run may add: they change what it prints, not what it measures. */
const REPORTING_FLAGS = new Set(['--no-progress', '--table']);

/** The argv to parse: `argv` itself, or for `--resume DIR` the stopped run's arguments followed by it. */
export function resumeArgv(argv: readonly string[]): string[] {
  const at = argv.indexOf('--resume');
  if (at === -1 || at + 1 >= argv.length) return [...argv];
  const dir = argv[at + 1];
  const others = argv.filter((_, i) => i !== at && i !== at + 1);
  const extra = others.find((a) => !REPORTING_FLAGS.has(a));
  if (extra !== undefined) throw new InputError(`--resume takes the run's arguments from ${dir}/env.json; leave out '${extra}' (only ${[...REPORTING_FLAGS].join(', ')} may be added)`);
  const { argv: recorded } = previousRun(dir);
  if (!recorded) throw new InputError(`${dir}/env.json records no arguments (argv): the run cannot be resumed`);
  return [...recorded, '--resume', dir, ...others];
}
