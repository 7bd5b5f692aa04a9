/**
 * Findings: what a run found, in one sentence each, with the figures and their 95% intervals — computed
 * from results.csv rows by each experiment's `answers`, never written by hand. The wording helpers keep
 * them honest: an interval that crosses the line a sentence talks about says "no measurable
 * difference", and a finding built on unstable or suspect rows carries the reason.
 */
import { partialNote, type ExperimentCoverage } from './coverage.ts';
import { unpairedLogRatio } from '../stats/replicate-stats.ts';
import { cellNumber as num, hasFigure, type ResultRow } from './results.ts';

export interface Finding {
  /** Stable within an experiment (e.g. 'pool-speedup'), so two runs' findings can be matched. */
  id: string;
  text: string;
  /** Chart id (of the same experiment) that shows it, for the report's link. */
  chart?: string;
  /** Why to read it with care: unstable or suspect rows, too few cores for the worker counts. */
  caveats: string[];
  /** The row whose figure the finding is mostly about (for compare). */
  row?: ResultRow;
  /** The run's verdict (which pipeline to run): shown before every other answer, not among them. */
  verdict?: boolean;
}

export interface FindingContext {
  /** Logical CPUs of the machine that ran (env.json), for worker-count caveats. */
  cores: number;
}

/** Figures with 3 significant digits (no exponent for ordinary magnitudes). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}


/**
 * "2.12 ms (95% CI 1.97–2.27)", or without the interval when the row has none. A flagged row carries a
 * short mark after its interval ("±13%, wide", "suspect"): the reason is in the flagged-rows table.
 */
export function withCi(row: ResultRow, unit = row.unit === 'x' ? '×' : ` ${row.unit}`): string {
  const figure = `${fmt(num(row.median))}${unit}`;
  const low = num(row.ci_low);
  const high = num(row.ci_high);
  const mark = flagMark(row);
  if (Number.isFinite(low) && Number.isFinite(high)) return `${figure} (95% CI ${fmt(low)}–${fmt(high)}${mark ? `; ${mark}` : ''})`;
  return mark ? `${figure} (${mark})` : figure;
}

/** The short mark of a flagged row: "±13%, wide" (unstable: its interval's half-width), "suspect", "client saturated"; '' for others. */
export function flagMark(row: ResultRow): string {
  if (row.status === 'unstable') {
    const half = (100 * (num(row.ci_high) - num(row.ci_low))) / 2 / Math.abs(num(row.median));
    return Number.isFinite(half) ? `±${Math.ceil(half)}%, wide` : 'wide';
  }
  if (row.status === 'suspect') return 'suspect';
  if (row.status === 'client_saturated') return 'client saturated';
  return '';
}

/** Whether a row's interval includes `line` (e.g. a speedup of 1): then "no measurable difference". */
export function crosses(row: ResultRow, line: number): boolean {
  const low = num(row.ci_low);
  const high = num(row.ci_high);
  return Number.isFinite(low) && Number.isFinite(high) && low <= line && line <= high;
}

/**
 * One short caveat per unstable or suspect row among `rows`: its metric and mark ("speedup_vs_main ±13%,
 * wide"). The point and the reason are in the flagged-rows table, not repeated in the prose.
 */
export function caveatsOf(rows: readonly (ResultRow | undefined)[]): string[] {
  const marks = rows.flatMap((r) => (r && (r.status === 'unstable' || r.status === 'suspect') ? [`${r.metric} ${flagMark(r)}`] : []));
  return [...new Set(marks)];
}

/** The caveats a reader still needs: those of rows whose mark the text already shows after the figure are left out. */
export function visibleCaveats(f: Finding): string[] {
  return f.caveats.filter((c) => {
    const mark = c.slice(c.indexOf(' ') + 1);
    return !(f.text.includes(`; ${mark})`) || f.text.includes(`(${mark})`));
  });
}

/** The measured row matching `where`, or undefined (errors and unsupported rows never make findings). */
export function pick(rows: readonly ResultRow[], where: Partial<Record<keyof ResultRow, unknown>>): ResultRow | undefined {
  return rows.find((r) => hasFigure(r.status) && r.median !== '' && Object.entries(where).every(([k, v]) => r[k as keyof ResultRow] === v));
}

/** Renders a finding with its caveats for plain text. */
export function findingLine(f: Finding): string {
  const caveats = visibleCaveats(f);
  return caveats.length > 0 ? `${f.text} [caution: ${caveats.join('; ')}]` : f.text;
}

/** What an experiment declares to answer its question (an Experiment satisfies it). */
export interface Answering {
  id: number;
  title: string;
  answers?(rows: ResultRow[], context: FindingContext): Finding[];
}

export interface ExperimentFindings {
  experiment: number;
  title: string;
  findings: Finding[];
  /** Set when `answers` threw: the findings are missing, the run is not affected. */
  error?: string;
  /** Set when the run measured less than the experiment's plan: "partial: 1 of 3 points measured (missing: …)". */
  partial?: string;
}

/**
 * Findings of every experiment present in `rows`, in experiment order; with the run's `coverage` (env.json),
 * each experiment that measured less than its plan says so, and one that measured nothing is listed too.
 */
export function collectFindings(experiments: readonly Answering[], rows: readonly ResultRow[], context: FindingContext, coverage: readonly ExperimentCoverage[] = []): ExperimentFindings[] {
  const present = new Set(rows.map((r) => r.experiment));
  const partialOf = (id: number) => {
    const note = partialNote(coverage.find((c) => c.experiment === id));
    return note ? { partial: note } : {};
  };
  return experiments
    .filter((e) => e.answers && (present.has(e.id) || partialOf(e.id).partial))
    .map((e) => {
      if (!present.has(e.id)) return { experiment: e.id, title: e.title, findings: [], ...partialOf(e.id) };
      try {
        return { experiment: e.id, title: e.title, findings: e.answers!(rows.filter((r) => r.experiment === e.id), context), ...partialOf(e.id) };
      } catch (err) {
        return { experiment: e.id, title: e.title, findings: [], error: err instanceof Error ? err.message : String(err), ...partialOf(e.id) };
      }
    });
}

/** The verdict findings of a run, in experiment order. */
function verdictsOf(all: readonly ExperimentFindings[]): Finding[] {
  return all.flatMap((e) => e.findings.filter((f) => f.verdict));
}

/** The Verdict block (plain text or markdown), or '' when no experiment gives one. */
export function formatVerdict(all: readonly ExperimentFindings[], markdown = false): string {
  const verdicts = verdictsOf(all);
  if (verdicts.length === 0) return '';
  const lines = verdicts.map((f) => `${markdown ? '- ' : '   • '}${findingLine(f)}`);
  return `${markdown ? '## Verdict\n\n' : 'Verdict:\n'}${lines.join('\n')}\n\n`;
}

/** The Answers as plain text (terminal) or markdown (summary.md); verdict findings are left to formatVerdict. */
export function formatFindings(all: readonly ExperimentFindings[], markdown = false): string {
  const lines: string[] = [];
  for (const { findings: withVerdicts, ...e } of all) {
    const findings = withVerdicts.filter((f) => !f.verdict);
    lines.push(markdown ? `### ${e.experiment}. ${e.title}` : `${e.experiment}. ${e.title}`);
    if (e.partial) lines.push(markdown ? `- **${e.partial}**` : `   ${e.partial}`);
    if (e.error) lines.push(`${markdown ? '- ' : '   '}findings could not be computed: ${e.error}`);
    if (!e.error && withVerdicts.length === 0) lines.push(`${markdown ? '- ' : '   '}no finding: the rows it needs are missing or failed`);
    for (const f of findings) lines.push(`${markdown ? '- ' : '   • '}${findingLine(f)}`);
    if (markdown) lines.push('');
  }
  return lines.join('\n');
}

export interface RowRatio {
  ratio: number;
  low: number;
  high: number;
}

/**
 * a / b of two rows measured in different processes, which no round pairs (e.g. two load levels of
 * experiment 5): an interval from the two rows' log-scale standard errors (common/stats/replicate-stats.ts),
 * never a division of interval endpoints. A ratio measured in paired rounds has a row of its own.
 */
export function unpairedRatio(a: ResultRow, b: ResultRow): RowRatio {
  const figure = (r: ResultRow) => ({ center: num(r.median), low: num(r.ci_low), high: num(r.ci_high), runs: num(r.runs) });
  return unpairedLogRatio(figure(a), figure(b));
}

/** "21× (95% CI 15–30)" for a RowRatio. */
export function ratioText(r: RowRatio): string {
  return Number.isFinite(r.low) && Number.isFinite(r.high) ? `${fmt(r.ratio)}× (95% CI ${fmt(r.low)}–${fmt(r.high)})` : `${fmt(r.ratio)}×`;
}
