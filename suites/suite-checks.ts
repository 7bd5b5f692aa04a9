/**
 * What the registry checks of a suite's declarations before any run (exit 2 naming the experiment), and
 * the flags a run refuses because none of its experiments reads them — both from the experiments'
 * `params` and `reads`, so no list of ids is kept by hand beside them.
 */
import { InputError } from '../common/cli/input-error.ts';
import { FIXED_COLUMNS, PROCESS_COLUMNS, isParamColumn } from '../common/results/results.ts';
import type { Experiment, FlagRead, Suite } from './types.ts';

const flagOf = (read: FlagRead): string => (typeof read === 'string' ? read : read.flag);

/** The long names of a suite's flags (e.g. '--strategies'). */
function suiteFlags(suite: Suite): string[] {
  return (suite.cli?.options() ?? []).map((o) => o.long ?? o.flags);
}

/**
 * Throws an InputError naming the suite, experiment and name when two experiments share an id, a
 * parameter is one of results.csv's own columns (it would be overwritten by it) or `reads` names a flag
 * the suite does not have.
 */
export function checkSuite(suite: Suite): void {
  const flags = suiteFlags(suite);
  const ids = suite.experiments.map((e) => e.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new InputError(`suite '${suite.name}': experiment id ${twice} is declared twice`);
  for (const e of suite.experiments) {
    const where = `suite '${suite.name}', experiment ${e.id} (${e.slug})`;
    const reserved = e.params.filter((p) => !isParamColumn(p));
    if (reserved.length > 0) throw new InputError(`${where}: parameter ${reserved.map((p) => `'${p}'`).join(', ')} is a column results.csv has of its own; rename it (reserved: ${[...FIXED_COLUMNS, ...PROCESS_COLUMNS].join(', ')})`);
    for (const read of e.reads ?? []) {
      const unknown = [flagOf(read), ...(typeof read === 'string' ? [] : [read.unless])].find((f) => !flags.includes(f));
      if (unknown !== undefined) throw new InputError(`${where}: reads '${unknown}', which is no flag of the suite (its flags: ${flags.join(', ') || 'none'})`);
    }
  }
}

/** Whether `e` reads `flag` in a run given the flags `given` (long names). */
function reads(e: Experiment, flag: string, given: ReadonlySet<string>): boolean {
  return (e.reads ?? []).some((r) => (typeof r === 'string' ? r === flag : r.flag === flag && !given.has(r.unless)));
}

/**
 * Refuses a flag of `suite` given on the command line (`given`, long names) that some of its experiments
 * read but none of the run's (`selected`) does: it would be silently ignored.
 */
export function refuseUnreadFlags(suite: Suite, selected: readonly Experiment[], given: ReadonlySet<string>): void {
  for (const flag of suiteFlags(suite).filter((f) => given.has(f))) {
    const users = suite.experiments.filter((e) => reads(e, flag, given)).map((e) => e.id);
    const declared = suite.experiments.some((e) => (e.reads ?? []).some((r) => flagOf(r) === flag));
    if (!declared || selected.some((e) => users.includes(e.id))) continue;
    const ids = selected.map((e) => e.id).join(', ');
    if (users.length === 0) throw new InputError(`${flag} is read by no experiment of this run with the flags given (it runs: ${ids})`);
    const named = users.length > 1 ? `s ${users.slice(0, -1).join(', ')} and ${users.at(-1)}` : ` ${users[0]}`;
    throw new InputError(`${flag} is used by experiment${named}, which this run does not include (it runs: ${ids})`);
  }
}
