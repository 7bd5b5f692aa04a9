/**
 * `bench --resume DIR` and `bench --extend DIR --precision P [--budget T]`: the run goes on with the
 * arguments it was started with (env.json's argv, its seed among them), so the plan is the same and only
 * its missing processes are measured; --extend then adds processes where intervals are wider than P.
 * Only flags that change how the run reports (and, for --extend, the precision rule) may be added; any
 * other would make the rest differ from what was measured.
 */
import { InputError } from '../common/cli/input-error.ts';
import { hasRedactedCredentials } from '../common/cli/url-credentials.ts';
import { previousRun } from '../suites/resume.ts';

/** Flags a resumed run may add: they change what it prints, not what it measures. */
const REPORTING_FLAGS = ['--no-progress', '--table'];
/** Flags of --extend, each with its value. */
const PRECISION_FLAGS = ['--precision', '--budget'];

/** The argv to parse: `argv` itself, or for `--resume DIR` / `--extend DIR` the stopped run's arguments followed by it. */
export function resumeArgv(argv: readonly string[]): string[] {
  const flag = argv.find((a) => a === '--resume' || a === '--extend');
  const at = flag === undefined ? -1 : argv.indexOf(flag);
  if (flag === undefined || at + 1 >= argv.length) return [...argv];
  const dir = argv[at + 1];
  const others = argv.filter((_, i) => i !== at && i !== at + 1);
  const allowed = flag === '--extend' ? [...REPORTING_FLAGS, ...PRECISION_FLAGS] : REPORTING_FLAGS;
  // A value follows each precision flag; --resume takes none of them.
  const extra = others.find((a, i) => (!allowed.includes(a) && !PRECISION_FLAGS.includes(others[i - 1] ?? '')) || (flag === '--resume' && PRECISION_FLAGS.includes(a)));
  if (extra !== undefined) throw new InputError(`${flag} takes the run's arguments from ${dir}/env.json; leave out '${extra}' (only ${allowed.join(', ')} may be added)`);
  if (flag === '--extend' && !others.includes('--precision')) throw new InputError(`--extend needs --precision P: the half-width to reach, e.g. --precision 10%`);
  const { argv: recorded } = previousRun(dir);
  if (!recorded) throw new InputError(`${dir}/env.json records no arguments (argv): the run cannot be resumed`);
  // env.json keeps URLs without their user:password: replayed, the run would send *** as the credentials.
  const hidden = recorded.find(hasRedactedCredentials);
  if (hidden !== undefined) throw new InputError(`${dir} was started with credentials in a URL ('${hidden}'), which env.json does not keep: it cannot be resumed with them. Give the target in a --config file next time (a resumed run reads the file again)`);
  return [...recorded, '--resume', dir, ...others];
}
