/**
 * How much of its plan a run measured (env.json `coverage`), and the sentences that say so where the
 * run is read: at the top of summary.md, report.html and the terminal summary when the run was
 * interrupted, is a shard, or is a merge without all its shards; and beside an experiment's Answers
 * when some of its points (or processes) were not measured. A measurement is one point in one process
 * (a row or an error row); a point counts as measured when at least one process reported it.
 */
import { sum } from '../stats/stats.ts';

export interface ExperimentCoverage {
  experiment: number;
  /** Points in the experiment's matrix (the full plan, also in a shard). */
  points: number;
  /** Measurements planned: points × processes. */
  planned: number;
  /** Measurements done by this run (or, merged, by its shards). */
  done: number;
  /** Labels of the points no process reported. */
  missing: string[];
}

export interface Coverage {
  planned: number;
  done: number;
  experiments: ExperimentCoverage[];
}

/** What the orchestrator knows of one experiment: its points' labels, its measurements planned, and those reported. */
export interface CoverageInput {
  experiment: number;
  labels: readonly string[];
  planned: number;
  /** (point, replicate) of every row reported, duplicates allowed. */
  reported: readonly { point: number; replicate: number }[];
}

export function coverageOf(inputs: readonly CoverageInput[]): Coverage {
  const experiments = inputs.map((e) => {
    const done = new Set(e.reported.map((r) => `${r.point}|${r.replicate}`)).size;
    const measured = new Set(e.reported.map((r) => r.point));
    return { experiment: e.experiment, points: e.labels.length, planned: e.planned, done, missing: e.labels.filter((_, i) => !measured.has(i)) };
  });
  return { planned: sum(experiments.map((e) => e.planned)), done: sum(experiments.map((e) => e.done)), experiments };
}

/** The coverage of a merge: the shards' measurements added, a point missing only if every shard misses it. */
export function mergeCoverage(shards: readonly (Coverage | undefined)[]): Coverage | undefined {
  const known = shards.filter((c): c is Coverage => c !== undefined);
  if (known.length === 0) return undefined;
  const ids = [...new Set(known.flatMap((c) => c.experiments.map((e) => e.experiment)))].sort((a, b) => a - b);
  const experiments = ids.map((id) => {
    const mine = known.flatMap((c) => c.experiments.filter((e) => e.experiment === id));
    const missing = mine[0].missing.filter((label) => mine.every((e) => e.missing.includes(label)));
    return { experiment: id, points: mine[0].points, planned: mine[0].planned, done: sum(mine.map((e) => e.done)), missing };
  });
  // A shard that measured nothing of an experiment still knows its full plan; a missing shard adds nothing.
  return { planned: known[0].planned, done: sum(experiments.map((e) => e.done)), experiments };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Labels shown in a partial note; the rest are counted. */
const MISSING_SHOWN = 8;

/** "partial: 1 of 3 points measured (missing: b, c)" when an experiment measured less than its plan; undefined otherwise. */
export function partialNote(c: ExperimentCoverage | undefined): string | undefined {
  if (!c || c.done >= c.planned) return undefined;
  if (c.missing.length > 0) {
    const shown = c.missing.slice(0, MISSING_SHOWN).join(', ');
    const more = c.missing.length > MISSING_SHOWN ? `, and ${c.missing.length - MISSING_SHOWN} more` : '';
    return `partial: ${c.points - c.missing.length} of ${plural(c.points, 'point')} measured (missing: ${shown}${more})`;
  }
  return `partial: ${c.done} of ${c.planned} planned measurements done (every point in at least one process, fewer processes than planned)`;
}

/**
 * The run-level notice from env.json, or undefined for a complete run without --precision: e.g. "Interrupted after 25 s: 12
 * of 30 planned measurements done; these answers cover only what was measured."
 */
export function runNotice(env: Record<string, unknown>): string | undefined {
  const notes = [coverageNotice(env), precisionNote(env)].filter((n) => n !== undefined);
  return notes.length > 0 ? notes.join(' ') : undefined;
}

/** The precision rule's statement (env.json `precision`): the target, the processes added per group, the rows that did not reach it. */
function precisionNote(env: Record<string, unknown>): string | undefined {
  const p = env.precision as { target: number; budgetSeconds: number; spentSeconds: number; groups: { group: string; planned: number; processes: number }[]; rows: { metric: string; before: number; after?: number }[] } | undefined;
  if (!p) return undefined;
  const added = p.groups.reduce((n, g) => n + g.processes - g.planned, 0);
  const groups = p.groups.map((g) => `${g.group} ${g.planned} → ${g.processes}`).join('; ');
  const unmet = p.rows.filter((r) => (r.after ?? r.before) > p.target);
  const short = p.rows.length === 0 ? 'no headline or flagged row had an interval over 2 or more processes to judge' : unmet.length === 0 ? `every judged row within ±${p.target}%` : `${unmet.length} of ${p.rows.length} judged rows wider than ±${p.target}%: ${unmet.slice(0, 8).map((r) => `${r.metric} ±${Math.ceil(r.after ?? r.before)}%`).join(', ')}${unmet.length > 8 ? `, and ${unmet.length - 8} more` : ''}`;
  return `Precision ±${p.target}% (--precision, two-stage rule; headline and flagged rows): ${added} process${added === 1 ? '' : 'es'} added in ${p.spentSeconds} s of a ${p.budgetSeconds} s budget${groups ? ` (${groups})` : ''}; ${short}.`;
}

function coverageNotice(env: Record<string, unknown>): string | undefined {
  const coverage = env.coverage as Coverage | undefined;
  const shard = env.shard as { index: number; count: number } | undefined;
  const merged = env.merged as { count: number; missing: number[] } | undefined;
  const gap = merged && merged.missing.length > 0 ? merged.missing : [];
  const interrupted = env.interrupted === true;
  const short = coverage !== undefined && coverage.done < coverage.planned;
  if (!interrupted && !shard && gap.length === 0 && !short) return undefined;
  const what: string[] = [];
  if (interrupted) what.push(merged ? 'A shard was interrupted' : typeof env.wallSeconds === 'number' ? `Interrupted after ${env.wallSeconds} s` : 'Interrupted');
  if (shard) what.push(`${what.length > 0 ? 'shard' : 'Shard'} ${shard.index}/${shard.count} of the work list (npm run merge joins the shards)`);
  if (gap.length > 0) what.push(`${what.length > 0 ? 'merged' : 'Merged'} without shard${gap.length > 1 ? 's' : ''} ${gap.join(', ')} of ${merged!.count}`);
  if (what.length === 0) what.push('Partial run');
  const counts = coverage ? `${coverage.done} of ${coverage.planned} planned measurements done; ` : '';
  return `${what.join('; ')}: ${counts}these answers cover only what was measured.`;
}
