/**
 * Experiment 8 — the template corpus: for ~97 real Hugging Face chat templates, does each engine render
 * them, is the output identical to the reference (@huggingface/jinja), and what does rendering cost as
 * the history grows? Statuses are computed by rendering, never listed by hand. Beside them, the sandbox:
 * how many hostile templates (common/templates/attack-corpus.ts) each engine blocks, and which of its
 * bounds hold — a template arrives inside a model file, so an engine that is fast but runs its code is no
 * candidate.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { QUICK_CORPUS, loadCorpus, type CorpusTemplate } from '../../common/assets/corpus.ts';
import { caveatsOf, fmt, pick, withCi, type Finding } from '../../common/results/findings.ts';
import type { ResultRow, RowInput } from '../../common/results/results.ts';
import { median } from '../../common/stats/stats.ts';
import { roundsSeed, runPairedRounds, variantRow, withRounds, type Variant } from '../../common/measure/paired-rounds.ts';
import { ENGINES, compileTemplate, describeDifference, type ChatMessage, type EngineId, type TemplateContext } from '../../common/templates/engines.ts';
import { jinja2Available, renderWithJinja2 } from '../../common/templates/jinja2-arbiter.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { corpusCharts } from '../../suites/preprocessing/charts/corpus-survey.ts';
import { FIXED_DATE_STRING } from '../../common/measure/pipeline.ts';
import { chatFor } from '../../common/measure/preprocessor-cache.ts';
import type { TextKind } from '../../common/text/kinds.ts';
import { textKind } from '../../suites/preprocessing/experiment-helpers.ts';
import { corpusReportSection } from '../../suites/preprocessing/corpus-report.ts';
import { ATTACK_PAYLOADS } from '../../common/templates/attack-corpus.ts';
import { ATTACK_LIMITS, runAttackCorpus } from '../../common/templates/attack-isolated.ts';

export type CompatStatus = 'ok' | 'differs' | 'error';

export interface Conversation {
  name: string;
  turns: number;
  context: TemplateContext;
}

const TURNS = [1, 10, 100];
const TOKENS_PER_MESSAGE = 20;

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
    },
  },
];

function toolConversation(): ChatMessage[] {
  return [
    { role: 'system', content: 'You are a helpful assistant with tools.' },
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
    { role: 'tool', name: 'get_weather', tool_call_id: 'call_1', content: '{"temperature": 21, "unit": "C"}' },
    { role: 'user', content: 'Thanks. And tomorrow?' },
  ];
}

/**
 * A corpus template to survey: its id and the template itself (undefined when the installed corpus lacks a
 * quick-mode id); or the sandbox check.
 */
interface Point {
  id: string;
  template?: CorpusTemplate;
  /** The chats' text (--text); the sandbox point renders none. */
  text?: TextKind;
  sandbox?: true;
}

const SANDBOX_POINT = 'sandbox';

/** Rounds per template: renders take 0.01–5 ms, so a slice of a few ms holds one to hundreds of calls. */
const QUICK_ROUNDS = { rounds: 8, sliceMs: 2 };
const FULL_ROUNDS = { rounds: 30, sliceMs: 10 };

export function conversations(t: CorpusTemplate, seed: number, withSystem: boolean, text: TextKind = 'synthetic'): Conversation[] {
  const base = { add_generation_prompt: true, bos_token: t.bos_token, eos_token: t.eos_token, date_string: FIXED_DATE_STRING };
  const plain = TURNS.map((turns) => ({
    name: `${turns} turns`,
    turns,
    // Every template gets the same chats (only its special tokens differ), generated once per process and
    // counted with the Llama 3.1 tokenizer.
    context: { ...base, messages: chatFor('llama3.1', { seed, turns, totalTokens: TOKENS_PER_MESSAGE * (turns + 1), system: withSystem, text }) },
  }));
  if (!t.supportsTools) return plain;
  const tools = toolConversation().filter((m) => withSystem || m.role !== 'system');
  return [...plain, { name: 'tool call', turns: tools.length, context: { ...base, messages: tools, tools: TOOLS } }];
}

export type Rendered = { ok: string } | { error: string };

export function renderAll(engine: EngineId, source: string, convs: Conversation[]): { compiled?: ReturnType<typeof compileTemplate>; outputs: Rendered[] } {
  let compiled;
  try {
    compiled = compileTemplate(engine, source);
  } catch (err) {
    return { outputs: convs.map(() => ({ error: `parse: ${(err as Error).message}` })) };
  }
  return {
    compiled,
    outputs: convs.map((c) => {
      try {
        return { ok: compiled!.render(c.context) };
      } catch (err) {
        return { error: (err as Error).message.replace(/\s+/g, ' ').slice(0, 300) };
      }
    }),
  };
}

/** Which engine follows Jinja2 where they disagree (when Python's Jinja2 is installed). */
function arbitrate(t: CorpusTemplate, conv: Conversation, jinja: Rendered, nunjucks: Rendered): string {
  if (!jinja2Available()) return 'Python Jinja2 not installed: disagreement not arbitrated';
  const [py] = renderWithJinja2(t.source, [conv.context]) ?? [];
  if (!py) return 'Python Jinja2 failed to run';
  const same = (a: Rendered, b: Rendered) => ('ok' in a && 'ok' in b ? a.ok === b.ok : 'error' in a && 'error' in b);
  const j = same(py, jinja);
  const n = same(py, nunjucks);
  const pyDesc = 'ok' in py ? 'renders' : `raises (${py.error.slice(0, 80)})`;
  if (j && !n) return `Jinja2 ${pyDesc} like @huggingface/jinja: nunjucks deviates`;
  if (n && !j) return `Jinja2 ${pyDesc} like nunjucks: @huggingface/jinja deviates`;
  if (j && n) return `Jinja2 ${pyDesc}; both engines agree with it`;
  return `Jinja2 ${pyDesc}, matching neither engine`;
}

export const corpus: Experiment<Point> = {
  id: 8,
  slug: 'corpus',
  title: 'Template corpus',
  question: 'Which real chat templates does each engine render identically to the reference, and what does rendering cost as history grows?',
  // The family of a corpus template is in `model`, its corpus id in `template`.
  params: ['model', 'template', 'engine', 'text', 'turns', 'payload', 'attack', 'bound'],
  reads: ['--text'],
  headline: ['templates_ok', 'templates_differs', 'templates_error', 'attacks_blocked'],
  charts: corpusCharts,
  async matrix(options) {
    const all = await loadCorpus();
    const ids = options.quick ? [...QUICK_CORPUS] : all.map((t) => t.id);
    // The template travels in the point: run() gets the point this matrix built in its own process.
    return [...ids.map((id) => ({ id, template: all.find((t) => t.id === id), text: textKind(options) })), { id: SANDBOX_POINT, sandbox: true as const }];
  },
  label: (p) => p.id,
  // One process for the survey (a process per template would be ~20 × runs processes in quick mode):
  // its render costs rank templates; each process measures them in its own seeded order.
  group: () => 'corpus survey',
  coordinates: (p) => (p.sandbox ? {} : { template: p.id, text: p.text }),
  // The sandbox check is deterministic (blocked or not; no timing is judged): one process per run says it all.
  pointRuns: (p) => (p.sandbox ? 1 : undefined),
  async run(point, options) {
    if (point.sandbox) return measureSandbox();
    if (!point.template) throw new Error(`template '${point.id}' is not in the corpus`);
    return measureTemplate(point.template, options, point.text);
  },
  derive(rows) {
    const compat = rows.filter((r) => r.metric === 'compat');
    const derived: RowInput[] = [];
    for (const engine of ENGINES) {
      const mine = compat.filter((r) => r.engine === engine);
      for (const status of ['ok', 'differs', 'error'] as const) {
        derived.push({ params: { engine }, metric: `templates_${status}`, unit: 'count', value: mine.filter((r) => compatStatusOf(r) === status).length, note: `of ${mine.length} templates` });
      }
    }
    return [...derived, ...sandboxCounts(rows.filter((r) => r.metric === 'attack'))];
  },
  writeFiles: writeCorpusCsv,
  reportSection: corpusReportSection,
  answers: corpusAnswers,
};

/** One row per payload and engine: blocked (ok) or how it got through. */
async function measureSandbox(): Promise<RowInput[]> {
  const outcomes = await runAttackCorpus(ENGINES, ATTACK_LIMITS);
  return outcomes.map((o) => ({
    params: { engine: o.engine, payload: o.id, attack: o.kind, bound: o.bound },
    metric: 'attack',
    unit: 'status',
    status: o.blocked ? 'ok' : 'unsupported',
    error: o.blocked ? '' : `not blocked: ${o.how}${o.detail ? `: ${o.detail}` : ''}`,
    note: o.blocked ? `${o.how}${o.detail ? `: ${o.detail}` : ''}` : '',
  }));
}

/**
 * Per engine: payloads blocked of all, then per kind and per bound. The same in every process (the
 * checks are deterministic), so `exact`: processes that disagree make the row an error naming both.
 */
function sandboxCounts(attacks: ResultRow[]): RowInput[] {
  const rows: RowInput[] = [];
  for (const engine of ENGINES) {
    const mine = attacks.filter((r) => r.engine === engine);
    if (mine.length === 0) continue;
    const count = (subset: ResultRow[], params: Record<string, string>, what: string): RowInput => {
      const open = subset.filter((r) => r.status !== 'ok').map((r) => String(r.payload));
      const note = `of ${subset.length} ${what}${open.length ? `; not blocked: ${open.join(', ')}` : ''}`;
      return { params: { engine, ...params }, metric: 'attacks_blocked', unit: 'count', value: subset.length - open.length, exact: true, note };
    };
    rows.push(count(mine, {}, 'hostile templates'));
    for (const kind of new Set(mine.map((r) => String(r.attack)))) rows.push(count(mine.filter((r) => String(r.attack) === kind), { attack: kind }, `${kind} payloads`));
    for (const bound of new Set(mine.flatMap((r) => (r.bound !== '' ? [String(r.bound)] : [])))) {
      rows.push(count(mine.filter((r) => String(r.bound) === bound), { bound }, `payloads the ${bound} bound must stop`));
    }
  }
  return rows;
}

/** The sandbox finding: payloads blocked per engine, and the bounds that hold in every engine. */
function sandboxFinding(rows: ResultRow[]): Finding | undefined {
  const totals = rows.filter((r) => r.metric === 'attacks_blocked' && r.status !== 'error' && r.attack === '' && r.bound === '');
  if (totals.length === 0) return undefined;
  const total = ATTACK_PAYLOADS.length;
  const engines = totals.map((r) => `${r.engine} blocks ${fmt(Number(r.median))} of ${total}`);
  const bounds = rows.filter((r) => r.metric === 'attacks_blocked' && r.bound !== '' && r.status !== 'error');
  const held = [...new Set(bounds.map((r) => String(r.bound)))].map((bound) => {
    const failing = bounds.filter((r) => r.bound === bound && /not blocked/.test(r.note)).map((r) => r.engine);
    return failing.length ? `${bound} fails in ${failing.join(', ')}` : `${bound} holds`;
  });
  const open = totals.filter((r) => /not blocked/.test(r.note));
  const verdict = open.length ? ` Not blocked — ${open.map((r) => `${r.engine}: ${r.note.replace(/^.*not blocked: /, '')}`).join('; ')}: such an engine must not render untrusted templates.` : '';
  return {
    id: 'sandbox',
    caveats: [],
    row: totals[0],
    text: `Of ${total} hostile templates (code injection, escapes to the Function constructor, prototype leaks, template loading, resource exhaustion; blocked = no code ran, nothing of the host printed, an error instead of exhaustion), ${engines.join(' and ')}; bounds (time tested at ${ATTACK_LIMITS.maxMs} ms): ${held.join(', ')}.${verdict}`,
  };
}

/** Caveats of many rows, summed up when there are more than two. */
function manyCaveats(rows: ResultRow[]): string[] {
  const c = caveatsOf(rows);
  return c.length > 2 ? [`${c.length} of ${rows.length} render rows are unstable or suspect`] : c;
}

/** Experiment 8's answers: identical renders per engine, render-cost growth with the history, the costliest template. */
export function corpusAnswers(rows: ResultRow[]): Finding[] {
  const findings: Finding[] = [];
  const sandbox = sandboxFinding(rows);
  if (sandbox) findings.push(sandbox);
  // ok / unsupported compat rows are verdicts; an error row means the point failed and says nothing.
  const compat = rows.filter((r) => r.metric === 'compat' && r.status !== 'error');
  const engines = ENGINES.filter((e) => compat.some((r) => r.engine === e));
  if (engines.length > 0) {
    const parts = engines.map((engine) => {
      const mine = compat.filter((r) => r.engine === engine);
      const count = (status: CompatStatus) => mine.filter((r) => (r.status === 'ok' ? 'ok' : r.error.startsWith('differs') ? 'differs' : 'error') === status).length;
      const [differs, fails] = [count('differs'), count('error')];
      return engine === 'jinja'
        ? `jinja (the reference) renders ${count('ok')} of ${mine.length} without error`
        : `${engine} renders ${count('ok')} of ${mine.length} identically to it (${differs} ${differs === 1 ? 'differs' : 'differ'}, ${fails} ${fails === 1 ? 'fails' : 'fail'})`;
    });
    findings.push({ id: 'compat', chart: 'compat', caveats: [], row: pick(rows, { metric: 'templates_ok', engine: engines.at(-1) }), text: `Of the real chat templates measured, ${parts.join('; ')}.` });
  }
  const render = rows.filter((r) => pick([r], { metric: 'render' }) && typeof r.turns === 'number');
  const turns = [...new Set(render.map((r) => Number(r.turns)))].sort((a, b) => a - b);
  const [few, many] = [turns[0], turns.at(-1)];
  if (turns.length > 1) {
    const used: ResultRow[] = [];
    const parts = ENGINES.flatMap((engine) => {
      const ratios = [...new Set(render.filter((r) => r.engine === engine).map((r) => r.template))].flatMap((t) => {
        const a = render.find((r) => r.engine === engine && r.template === t && r.turns === few);
        const b = render.find((r) => r.engine === engine && r.template === t && r.turns === many);
        if (!a || !b) return [];
        used.push(a, b);
        return [Number(b.median) / Number(a.median)];
      });
      if (ratios.length === 0) return [];
      ratios.sort((x, y) => x - y);
      const mid = median(ratios);
      const spread = ratios.length > 1 ? `median over ${ratios.length} templates, range ${fmt(ratios[0])}–${fmt(ratios.at(-1)!)}×` : '1 template';
      return [`${fmt(mid)}× with ${engine} (${spread})`];
    });
    if (parts.length > 0) {
      findings.push({ id: 'render-growth', chart: 'render-cost', caveats: manyCaveats(used), text: `From ${few} to ${many} turns, median render time grows ${parts.join(' and ')}; ranges are over templates, not 95% intervals.` });
    }
  }
  const top = render.filter((r) => r.turns === many);
  if (top.length > 0) {
    const [max, min] = [top.reduce((a, b) => (Number(b.median) > Number(a.median) ? b : a)), top.reduce((a, b) => (Number(b.median) < Number(a.median) ? b : a))];
    const cheapest = min !== max ? `; the cheapest is ${min.template} with ${min.engine}, ${withCi(min)}` : '';
    findings.push({ id: 'costliest', chart: 'render-cost', caveats: caveatsOf([max, min]), row: max, text: `At ${many} turns the costliest template to render is ${max.template} with ${max.engine}, ${withCi(max)}${cheapest}.` });
  }
  return findings;
}

/**
 * The status of one engine on one template: `error` if it fails on any conversation, `differs` if any
 * output differs from the reference's, else `ok`. `at` is the first conversation that decided it.
 */
export function judge(isReference: boolean, outputs: Rendered[], reference: Rendered[], names: string[]): { status: CompatStatus; detail: string; at?: number } {
  for (const [i, out] of outputs.entries()) {
    const ref = reference[i];
    if ('error' in out) return { status: 'error', detail: `${names[i]}: ${out.error}`, at: i };
    if (!isReference && 'ok' in ref && out.ok !== ref.ok) return { status: 'differs', detail: `${names[i]}: ${describeDifference(ref.ok, out.ok)}`, at: i };
  }
  if (!isReference && reference.every((o) => 'error' in o)) return { status: 'error', detail: 'no reference: @huggingface/jinja renders none of the conversations' };
  return { status: 'ok', detail: '' };
}

export function compatStatusOf(row: Pick<RowInput, 'status' | 'error'>): CompatStatus {
  return row.status === 'ok' ? 'ok' : (row.error ?? '').startsWith('differs') ? 'differs' : 'error';
}

export async function measureTemplate(t: CorpusTemplate, options: RunOptions, text: TextKind = 'synthetic'): Promise<RowInput[]> {
  // Rows carry the template's family in `model`.
  const params = { model: t.family, template: t.id };
  // Templates that refuse a system role (e.g. Gemma 2) are rendered without one; that is the template's
  // rule, not an engine failure.
  let convs = conversations(t, options.seed, true, text);
  let reference = renderAll('jinja', t.source, convs);
  let noSystem = false;
  if ('error' in reference.outputs[0]) {
    const retry = conversations(t, options.seed, false, text);
    const again = renderAll('jinja', t.source, retry);
    if ('ok' in again.outputs[0]) {
      convs = retry;
      reference = again;
      noSystem = true;
    }
  }
  const systemNote = noSystem ? 'rendered without a system message (the template rejects one)' : '';
  const rows: RowInput[] = [];
  const timed: (Variant & { engine: EngineId; turns: number })[] = [];
  const results: Record<EngineId, ReturnType<typeof renderAll>> = { jinja: reference, nunjucks: renderAll('nunjucks', t.source, convs) };

  for (const engine of ENGINES) {
    const verdict = judge(engine === 'jinja', results[engine].outputs, reference.outputs, convs.map((c) => c.name));
    const { status, detail } = verdict;
    let note = systemNote;
    if (engine !== 'jinja' && verdict.at !== undefined) {
      note = [systemNote, arbitrate(t, convs[verdict.at], reference.outputs[verdict.at], results[engine].outputs[verdict.at])].filter(Boolean).join('; ');
    }
    rows.push({
      params: { ...params, engine },
      metric: 'compat',
      unit: 'status',
      status: status === 'ok' ? 'ok' : 'unsupported',
      error: status === 'ok' ? '' : `${status}: ${detail}`,
      note,
    });
    const compiled = results[engine].compiled;
    if (status !== 'ok' || !compiled) continue;
    for (const conv of convs.filter((c) => c.name.endsWith('turns'))) timed.push({ engine, turns: conv.turns, name: `${engine} ${conv.turns}`, fn: () => compiled.render(conv.context) });
  }
  if (timed.length === 0) return rows;
  // Every engine and history length of the template in paired rounds, warmed up together.
  const rounds = options.quick ? QUICK_ROUNDS : FULL_ROUNDS;
  const result = await runPairedRounds(timed, { ...rounds, minCalls: 1, warmupMs: options.plan.warmupTime, warmupCalls: options.plan.warmupIterations }, roundsSeed(options, 8, hashOf(t.id)), { signal: options.signal });
  for (const v of timed) rows.push(variantRow(result, v.name, 'render', `parsed once; ${t.chars} chars, ${t.controlBlocks} control blocks`, { ...params, engine: v.engine, turns: v.turns }));
  return withRounds(rows, result);
}

/** A small stable number from a template id, to give each template's rounds their own seed. */
function hashOf(id: string): number {
  let h = 0;
  for (const c of id) h = (Math.imul(h, 31) + c.codePointAt(0)!) >>> 0;
  return h;
}

/**
 * corpus.csv: per template its family, size and tool support (from the corpus, loaded again here: the
 * rows do not carry them) and, per engine, its status and render cost at each history length.
 */
async function writeCorpusCsv(rows: ResultRow[], options: RunOptions): Promise<void> {
  const byId = new Map((await loadCorpus()).map((t) => [t.id, t]));
  const header = ['template', 'family', 'chars', 'control_blocks', 'supports_tools'];
  for (const e of ENGINES) header.push(`${e}_status`, `${e}_detail`, ...TURNS.flatMap((n) => [`${e}_median_ms_${n}`, `${e}_p99_ms_${n}`]));
  header.push('note');
  const ids = [...new Set(rows.filter((r) => r.metric === 'compat').map((r) => String(r.template)))];
  const lines = ids.map((id) => {
    const t = byId.get(id);
    if (!t) throw new Error(`template '${id}' is not in the corpus`);
    const line: (string | number)[] = [id, t.family, t.chars, t.controlBlocks, t.supportsTools ? 'yes' : 'no'];
    const notes: string[] = [];
    for (const e of ENGINES) {
      const c = rows.find((r) => r.metric === 'compat' && r.template === id && r.engine === e)!;
      line.push(compatStatusOf(c), c.error.replace(/^(differs|error): /, ''));
      if (c.note) notes.push(c.note);
      for (const n of TURNS) {
        // As results.csv holds them (6 significant digits): rounding them again could move a 4th digit.
        const r = rows.find((x) => x.metric === 'render' && x.template === id && x.engine === e && x.turns === n);
        line.push(r?.median ?? '', r?.p99 ?? '');
      }
    }
    line.push([...new Set(notes)].join('; '));
    return line;
  });
  writeFileSync(join(options.runDir, 'corpus.csv'), stringify([header, ...lines]));
}

export default corpus;
