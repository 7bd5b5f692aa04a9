/**
 * Experiment 11's answers, from results.csv rows: per model and text, the verdict sentence (choose.ts'
 * rule), then the Pareto front and TOPSIS ranking, then what was excluded on the batch and why. The
 * verdict findings are flagged `verdict`, so the run shows them before every other answer.
 */
import { caveatsOf, fmt, ratioText, unpairedRatio, withCi, type Finding } from '../../../common/results/findings.ts';
import { cellNumber as num, figureOf, hasFigure, type ResultRow } from '../../../common/results/results.ts';
import { DEFAULT_TOPSIS_WEIGHTS, choosePipeline, paretoFront, topsis, type Candidate, type Choice, type TopsisWeights } from './choose.ts';

export const DEFAULT_LOOP_SLO_MS = 10;

/** A pipeline's name, e.g. "nunjucks + tiktoken on pool×2": the same for a measured pipeline and its rows. */
export const pipelineLabel = (p: Readonly<Record<string, unknown>>): string => `${p.engine} + ${p.tokenizer} on ${p.strategy}×${p.workers}`;
/** A row's figure as choose.ts takes it: a row without an interval counts as exact. */
const candidateFigure = (r: ResultRow) => {
  const { median, ciLow, ciHigh } = figureOf(r);
  return { median, low: Number.isFinite(ciLow) ? ciLow : median, high: Number.isFinite(ciHigh) ? ciHigh : median };
};

/** The rows of each model and text that has a measured pipeline: the panels of the verdict and the charts. */
export function panelsOf(rows: readonly ResultRow[]): { model: string; text: string; rows: ResultRow[] }[] {
  const keys = [...new Set(rows.filter((r) => r.metric === 'requests_per_s_per_core').map((r) => `${r.model}\t${r.text}`))];
  return keys.map((key) => {
    const [model, text] = key.split('\t');
    return { model, text, rows: rows.filter((r) => String(r.model) === model && String(r.text) === text) };
  });
}

interface Measured extends Candidate {
  rows: { perCore: ResultRow; loop: ResultRow; vsDefault?: ResultRow };
}

/** The candidates of one model and text, from their rows; pipelines missing a figure are left out. */
export function candidatesOf(rows: readonly ResultRow[]): Measured[] {
  const perCore = rows.filter((r) => r.metric === 'requests_per_s_per_core' && hasFigure(r.status));
  return perCore.flatMap((pc) => {
    const same = (metric: string) => rows.find((r) => r.metric === metric && pipelineLabel(r) === pipelineLabel(pc) && hasFigure(r.status));
    const loop = same('loop_delay_p99');
    if (!loop) return [];
    const rss = same('rss_added_mb');
    const workers = num(pc.workers);
    return [{ label: pipelineLabel(pc), threads: pc.strategy === 'pool' || pc.strategy === 'process' ? workers + 1 : 1, perCore: candidateFigure(pc), loopP99: candidateFigure(loop), rssMb: rss ? num(rss.median) : 0, rows: { perCore: pc, loop, vsDefault: same('per_core_vs_default') } }];
  });
}

/** The SLO and TOPSIS weights the run used (its loop_slo row), or the defaults. */
function ruleOf(rows: readonly ResultRow[]): { slo: number; weights: TopsisWeights } {
  const rule = rows.find((r) => r.metric === 'loop_slo');
  const weights = rule?.note.match(/weights ([\d.]+),([\d.]+),([\d.]+)/);
  return {
    slo: rule ? num(rule.median) : DEFAULT_LOOP_SLO_MS,
    weights: weights ? { perCore: Number(weights[1]), loopP99: Number(weights[2]), rss: Number(weights[3]) } : DEFAULT_TOPSIS_WEIGHTS,
  };
}

function verdictText(model: string, text: string, measured: Measured[], choice: Choice, slo: number): string {
  const head = `${model}, ${text} chats`;
  if (!choice.winner) {
    const lowest = measured.reduce<Measured | undefined>((b, c) => (!b || c.loopP99.median < b.loopP99.median ? c : b), undefined);
    return `${head}: no pipeline keeps the event loop's delay p99 under ${slo} ms${lowest ? `; the lowest is ${lowest.label}, ${withCi(lowest.rows.loop)}` : ''}.`;
  }
  const w = choice.winner as Measured;
  const vs = w.rows.vsDefault ? `, ${withCi(w.rows.vsDefault)} the transformers.js default (jinja + js on main)` : w.label === 'jinja + js on main×1' ? ', which is the transformers.js default' : '';
  const ties = choice.tiedWith.length ? ` (${choice.tiedWith.map((c) => c.label).join(', ')} as good within the interval, with more threads)` : '';
  let sentence = `${head}: ${w.label}, ${withCi(w.rows.perCore, ' req/s')} per core${vs}; loop p99 ${withCi(w.rows.loop)}${ties}.`;
  if (choice.runnerUp && choice.runnerUpCost !== undefined) {
    const r = choice.runnerUp as Measured;
    const cost = choice.runnerUpCost >= 0 ? `${fmt(100 * choice.runnerUpCost)}% fewer requests/s per core` : `${fmt(-100 * choice.runnerUpCost)}% more requests/s per core (inside the interval)`;
    sentence += ` Freer loop: ${r.label}, loop p99 ${withCi(r.rows.loop)}, at ${cost}.`;
  }
  return sentence;
}

/** The lowest median among the measured rows of `metric`. */
const fastest = (rows: readonly ResultRow[], metric: string) =>
  rows.filter((r) => r.metric === metric && hasFigure(r.status)).reduce<ResultRow | undefined>((b, r) => (!b || num(r.median) < num(b.median) ? r : b), undefined);

/**
 * Python's fastest batch on the same batch (python-peer.ts) against Node's fastest pipeline: an unpaired
 * ratio (Python ran in its own process, after the paired rounds), or why Python rows are missing.
 */
export function pythonFinding(id: string, head: string, rows: readonly ResultRow[]): Finding | undefined {
  const missing = [...new Set(rows.filter((r) => r.metric === 'python_peer' && !hasFigure(r.status)).map((r) => r.error))];
  const python = fastest(rows, 'python_batch_prepare') ?? fastest(rows, 'python_batch_render');
  const node = fastest(rows, 'batch_prepare');
  if (!python || !node) return missing.length > 0 ? { id: `python-${id}`, caveats: [], text: `${head}: no Python rows beside Node's — ${missing.join('; ')}.` } : undefined;
  const full = python.metric === 'python_batch_prepare';
  const ratio = ratioText(unpairedRatio(python, node));
  const renderOnly = full ? '' : `; Python's figure leaves tokenizing out${missing.length > 0 ? ` (${missing.join('; ')})` : ''}, so its stack takes at least that`;
  return {
    id: `python-${id}`,
    caveats: caveatsOf([python, node]),
    row: python,
    text: `${head}: Python (Jinja2 sandbox${full ? ' + tokenizers' : ''}) on the same batch: best ${withCi(python)} per batch (${python.strategy}×${python.workers}, ${full ? 'render + tokenize' : 'render only'}), Node's best pipeline ${withCi(node)} (${pipelineLabel(node)}, render + tokenize + collate): ${ratio} Python's time over Node's (unpaired: Python ran in its own process after the paired rounds)${renderOnly}.`,
  };
}

export function pipelineAnswers(rows: ResultRow[]): Finding[] {
  const { slo, weights } = ruleOf(rows);
  const findings: Finding[] = [];
  for (const { model, text, rows: mine } of panelsOf(rows)) {
    const measured = candidatesOf(mine);
    if (measured.length === 0) continue;
    const id = `${model}-${text}`;
    const choice = choosePipeline(measured, slo);
    const winner = choice.winner as Measured | undefined;
    findings.push({ id: `verdict-${id}`, verdict: true, chart: 'pareto', caveats: [], row: winner?.rows.perCore, text: verdictText(model, text, measured, choice, slo) });
    const front = paretoFront(measured).sort((a, b) => b.perCore.median - a.perCore.median);
    const ranked = topsis(measured, weights).slice(0, 3);
    findings.push({
      id: `tradeoffs-${id}`,
      chart: 'pareto',
      caveats: [],
      text: `${model}, ${text}: the Pareto front of requests/s per core against loop-delay p99 is ${front.map((c) => `${c.label} (${fmt(c.perCore.median)} req/s per core, ${fmt(c.loopP99.median)} ms)`).join('; ')}. TOPSIS (weights ${weights.perCore}/${weights.loopP99}/${weights.rss} on requests/s per core, loop-delay p99, RSS): ${ranked.map((r, i) => `${i + 1}. ${r.candidate.label} ${r.score.toFixed(2)}`).join(', ')}.`,
    });
    const python = pythonFinding(id, `${model}, ${text}`, mine);
    if (python) findings.push(python);
    const out = mine.filter((r) => r.metric === 'candidate' && r.status === 'unsupported');
    if (out.length > 0) {
      findings.push({ id: `excluded-${id}`, caveats: [], text: `${model}, ${text}: left out on the measured batch — ${out.map((r) => `${r.engine || r.tokenizer}: ${r.error}`).join('; ')}.` });
    }
  }
  return findings;
}
