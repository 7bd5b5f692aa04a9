/**
 * The end of `npm run compare`: which findings (common/results/findings.ts) changed between two runs. Findings are
 * matched by (experiment, finding id); a pair is "changed" when its text or its main row's figure
 * differs, and is shown with the verdict compareRuns already gave that row. Findings present in only one
 * run are listed. Pure: the caller computes the findings (scripts/compare.ts, with the registry).
 */
import { rowKey, type ComparedRow } from './compare-runs.ts';
import type { ExperimentFindings, Finding } from '../results/findings.ts';

export interface ChangedFinding {
  experiment: number;
  id: string;
  a: Finding;
  b: Finding;
  /** The comparison of the finding's main row, if both runs have one that compareRuns matched. */
  row?: ComparedRow;
}

export interface LoneFinding {
  experiment: number;
  finding: Finding;
}

export interface FindingsComparison {
  changed: ChangedFinding[];
  /** Pairs matched with the same text and main-row figure (counted, not printed). */
  unchanged: number;
  onlyA: LoneFinding[];
  onlyB: LoneFinding[];
  /** "exp <id>: findings could not be computed in B: …" */
  notes: string[];
}

const flatten = (all: readonly ExperimentFindings[]): Map<string, LoneFinding> =>
  new Map(all.flatMap((e) => e.findings.map((f) => [`${e.experiment}\u0000${f.id}`, { experiment: e.experiment, finding: f }] as const)));

/** The compared row of a pair's main row: same object first, else the same coordinates. */
function rowOf(a: Finding, b: Finding, rows: readonly ComparedRow[]): ComparedRow | undefined {
  if (!a.row || !b.row) return undefined;
  const byObject = rows.find((r) => r.a === a.row && r.b === b.row);
  if (byObject) return byObject;
  const ka = rowKey(a.row);
  const kb = rowKey(b.row);
  return ka === kb ? rows.find((r) => rowKey(r.a) === ka) : undefined;
}

export function compareFindings(findingsA: readonly ExperimentFindings[], findingsB: readonly ExperimentFindings[], rows: readonly ComparedRow[]): FindingsComparison {
  const a = flatten(findingsA);
  const b = flatten(findingsB);
  const out: FindingsComparison = { changed: [], unchanged: 0, onlyA: [], onlyB: [], notes: [] };
  for (const [k, fa] of a) {
    const fb = b.get(k);
    if (!fb) {
      out.onlyA.push(fa);
      continue;
    }
    const same = fa.finding.text === fb.finding.text && (fa.finding.row?.median ?? '') === (fb.finding.row?.median ?? '');
    if (same) out.unchanged++;
    else out.changed.push({ experiment: fa.experiment, id: fa.finding.id, a: fa.finding, b: fb.finding, row: rowOf(fa.finding, fb.finding, rows) });
  }
  for (const [k, fb] of b) if (!a.has(k)) out.onlyB.push(fb);
  for (const [label, all] of [['A', findingsA], ['B', findingsB]] as const) {
    for (const e of all) if (e.error) out.notes.push(`exp ${e.experiment}: findings could not be computed in ${label}: ${e.error}`);
  }
  return out;
}

function fmtPct(pct: number): string {
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
}

function fmtPShort(p: number): string {
  return p < 1e-4 ? p.toExponential(0) : String(Number(p.toPrecision(2)));
}

/** "+12.3 %, p=0.004 **", "+1.2 %, not significant (p=0.41)", "+3.0 %, not tested: no samples". */
export function findingVerdict(row: ComparedRow | undefined): string {
  if (!row) return 'no matched row to test';
  if (row.verdict === 'not ok') return `not compared: ${row.reason}`;
  const change = Number.isFinite(row.changePct) ? `${fmtPct(row.changePct)}, ` : '';
  if (row.verdict !== 'tested') return `${change}not tested: ${row.verdict}`;
  return row.p < 0.05 ? `${change}p=${fmtPShort(row.p)} ${row.stars}` : `${change}not significant (p=${fmtPShort(row.p)})`;
}

/** The findings part of the compare output (plain text, ends with a newline). */
export function formatFindingsComparison(c: FindingsComparison): string {
  const total = c.changed.length + c.unchanged + c.onlyA.length + c.onlyB.length;
  if (total === 0 && c.notes.length === 0) return '\nfindings: none (no experiment of these runs declares answers)\n';
  const lines: string[] = [];
  // A finding reads differently whenever a figure moves by noise: the heading says how many moved significantly.
  const significant = c.changed.filter((f) => f.row?.verdict === 'tested' && f.row.p < 0.05).length;
  const moved = significant === 0 ? 'none a significant change' : `${significant} a significant change, p < 0.05`;
  lines.push(c.changed.length > 0 ? `\nfindings that read differently (${c.changed.length} of ${c.changed.length + c.unchanged} in both runs; ${moved}):` : `\nfindings: none changed (${c.unchanged} in both runs)`);
  for (const f of c.changed) {
    lines.push(`  exp ${f.experiment} ${f.id}: "${f.a.text}" → "${f.b.text}" — ${findingVerdict(f.row)}`);
  }
  for (const [label, lone] of [['A', c.onlyA], ['B', c.onlyB]] as const) {
    if (lone.length === 0) continue;
    lines.push(`findings only in ${label} (${lone.length}):`);
    for (const f of lone) lines.push(`  exp ${f.experiment} ${f.finding.id}: "${f.finding.text}"`);
  }
  for (const n of c.notes) lines.push(n);
  return `${lines.join('\n')}\n`;
}
