/**
 * Spec builders and the chart writer: every declared chart compiles with vega-lite without warnings,
 * encodes only fields its data has, shows a "no data" panel for empty or all-failed rows, and one
 * failing chart never stops the others. Rows come from a trimmed fixture of a real quick run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../common/results/results.ts';
import preprocessingSuite from '../suites/preprocessing/index.ts';
import type { ChartDefinition, VegaLiteSpec } from '../visualization/chart.ts';
import { RunFolderError, loadRun, parseResultsCsv } from '../common/results/run-folder.ts';
import { contentionCharts } from '../suites/preprocessing/charts/contention.ts';
import { queueCharts } from '../suites/preprocessing/charts/queue.ts';
import { noDataSpec } from '../visualization/no-data.ts';
import { specToSvg, svgToPng } from '../visualization/render-chart.ts';
import { runReportCli } from '../scripts/report-command.ts';
import { writeCharts } from '../visualization/write-charts.ts';
import { tempDir } from './helpers.ts';
import { compileWarnings, fields } from './chart-checks.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'run');
const rows = loadRun(FIXTURE).rows;
const charts = preprocessingSuite.experiments.flatMap((e) => (e.charts ?? []).map((chart) => ({ experiment: e.id, chart })));
const rowsOf = (id: number) => rows.filter((r) => r.experiment === id);
/**
 * Quick runs (the fixture) measure pool and process at the core count only, 2 workers here. The fixture's
 * rows with each workers-2 pool, process or ideal row also copied at `workers`, placed as a run measuring
 * both would place it (fewer workers first); experiment 4's ideal copies get the derive's figure, linear
 * capped at the fixture's 2 physical cores.
 */
const withWorkers = (fixture: ResultRow[], workers: number): ResultRow[] =>
  fixture.flatMap((r) => {
    if (r.workers !== 2 || !(r.strategy === 'pool' || r.strategy === 'process' || r.metric.endsWith('_ideal'))) return [r];
    const ideal = Math.min(workers, 2);
    const copy = r.metric.endsWith('_ideal') ? { ...r, workers, median: ideal, mean: ideal, ci_low: ideal, ci_high: ideal } : { ...r, workers };
    return workers < 2 ? [copy, r] : [r, copy];
  });

describe('chart specs', () => {
  // Charts are optional: an experiment without them has nothing here to check.
  it('every chart of a preprocessing experiment has an id unique in it and a question as title', () => {
    for (const e of preprocessingSuite.experiments) {
      const ids = (e.charts ?? []).map((c) => c.id);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i), `experiment ${e.id}: chart ids declared twice`).toEqual([]);
      for (const c of e.charts ?? []) expect(c.title, `experiment ${e.id}, chart '${c.id}': its title is the question it answers, ending in '?'`).toMatch(/\?$/);
    }
  });

  // The charts are checked on real rows: a new experiment's come from one quick run of it.
  for (const id of new Set(charts.map((c) => c.experiment))) {
    it(`experiment ${id} has rows in test/fixtures/run/results.csv for its charts`, () => {
      expect(rowsOf(id).length, `experiment ${id} declares charts but test/fixtures/run/results.csv has no rows of it: run \`npm run bench -- --exp ${id} --quick\`, then \`npm run fixture-rows -- results/<that run> ${id}\``).toBeGreaterThan(0);
    });
  }

  for (const { experiment, chart } of charts) {
    describe(`${experiment}-${chart.id}`, () => {
      it('compiles without warnings and encodes only fields that exist in its data', () => {
        const spec = chart.build(rowsOf(experiment));
        expect((spec as { usermeta?: { noData?: string } }).usermeta?.noData, `drawn from the fixture's ${rowsOf(experiment).length} rows of experiment ${experiment}`).toBeUndefined();
        expect(compileWarnings(spec)).toEqual([]);
        const { used, available } = fields(spec);
        expect(used.size).toBeGreaterThan(0);
        expect([...used].filter((f) => !available.has(f))).toEqual([]);
      });

      it('stays valid on partial runs (random subsets of rows, some turned into errors)', () => {
        let seed = experiment * 7919 + 1;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        for (let i = 0; i < 40; i++) {
          const keep = random();
          const subset = rowsOf(experiment).filter(() => random() < keep).map((r): ResultRow => (random() < 0.1 ? { ...r, status: 'error', error: 'boom', median: '' } : r));
          expect(compileWarnings(chart.build(subset)), `subset ${i}`).toEqual([]);
        }
      });

      it('renders a "no data" panel for no rows and for all-error rows', () => {
        const failedPoint: ResultRow = { ...rowsOf(experiment)[0], metric: 'point', unit: '', n: '', median: '', ci_low: '', ci_high: '', status: 'error', error: 'point threw' };
        const allError = rowsOf(experiment).map((r): ResultRow => ({ ...r, status: 'error', error: 'boom', median: '' }));
        for (const input of [[], [failedPoint], allError]) {
          const spec = chart.build(input);
          const reason = (spec as { usermeta?: { noData?: string } }).usermeta?.noData;
          expect(reason).toBeTruthy();
          expect(compileWarnings(spec)).toEqual([]);
        }
      });
    });
  }

  it('4-loop-delay and 4-health: the idle slice is read from its mode (strategy empty), drawn first', () => {
    const idle = rowsOf(4).filter((r) => r.mode === 'idle');
    expect(idle.map((r) => [r.metric, r.strategy, r.workers])).toEqual(['loop_delay_p99', 'loop_delay_max', 'health_latency', 'loop_delay_p99_vs_main', 'health_speedup_vs_main'].map((m) => [m, '', 0]));
    expect(rowsOf(4).filter((r) => r.strategy === 'idle')).toEqual([]);
    // With pool×1 rows, as a run measuring two worker counts: within a strategy, points sort by worker count.
    const withPool1 = withWorkers(rowsOf(4), 1);
    for (const id of ['loop-delay', 'health']) {
      const spec = contentionCharts.find((c) => c.id === id)!.build(withPool1) as { encoding: { y: { sort: string[] } }; data: { values: { point: string; strategy: string }[] } };
      expect(spec.encoding.y.sort, id).toEqual(['idle (no load)', 'main', 'pool×1', 'pool×2', 'native']);
      expect(spec.data.values.filter((v) => v.point === 'idle (no load)').map((v) => v.strategy), id).toEqual(['idle']);
    }
  });

  it('the checks above catch what they claim to (a misspelt field, a dropped channel)', () => {
    const spec = { data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'b', type: 'quantitative' }, shape: { field: 'a', type: 'nominal' } } } as VegaLiteSpec;
    const { used, available } = fields(spec);
    expect([...used].filter((f) => !available.has(f))).toEqual(['b']);
    expect(compileWarnings(spec).join(' ')).toMatch(/shape/);
  });

  it('renders a spec to SVG (with its title text) and to PNG', async () => {
    const svg = await specToSvg(noDataSpec('Is anything here?', 'nothing measured'));
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('Is anything here?');
    expect(svg).toContain('no data: nothing measured');
    expect(svgToPng(svg).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});

describe('workers axis and CPU rules (experiments 3 and 4)', () => {
  /** A `logical_cpus` / `physical_cores` row as experiment 4's derive writes it. */
  const topologyRow = (experiment: number, metric: string, median: number): ResultRow => ({
    ...rowsOf(experiment)[0], model: '', template: '', engine: '', tokenizer: '', strategy: '', workers: '', turns: '', tokens: '',
    metric, unit: 'count', n: 1, median, p90: '', p99: '', mean: median, sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: 'machine topology',
  });
  const log2Axis = (counts: number[], max: number) => ({
    field: 'x_pos', type: 'quantitative', title: 'workers (threads / processes), log₂ scale',
    scale: { type: 'log', base: 2, domain: [1 / 1.3, max * 1.3], nice: false }, axis: { values: counts, format: 'd' },
  });
  /** Every value of `key` anywhere in the spec (encodings, data). */
  const collect = (node: unknown, key: string, out: unknown[] = []): unknown[] => {
    if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === key) out.push(v);
        collect(v, key, out);
      }
    }
    return out;
  };
  const xs = (spec: VegaLiteSpec) => collect(spec, 'encoding').map((e) => (e as { x?: unknown }).x).filter((x) => x !== undefined);
  const data = (spec: VegaLiteSpec) => (collect(spec, 'values').filter((v) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object') as Record<string, unknown>[][]).flat();
  const ofKind = (spec: VegaLiteSpec, kind: string) => data(spec).filter((v) => v.kind === kind);
  const subtitle = (spec: VegaLiteSpec) => [(spec as { title: { subtitle: string | string[] } }).title.subtitle].flat().join(' ');
  const scaling = contentionCharts.find((c) => c.id === 'scaling')!;
  const queue = queueCharts[0];
  const valid = (spec: VegaLiteSpec) => {
    expect(compileWarnings(spec)).toEqual([]);
    const { used, available } = fields(spec);
    expect([...used].filter((f) => !available.has(f))).toEqual([]);
  };

  it('4-scaling with SMT (4 logical CPUs, 2 physical cores): log2 workers axis, ideal capped at 2, a labelled rule at each', () => {
    const fixture = rowsOf(4).filter((r) => r.metric !== 'logical_cpus' && r.metric !== 'physical_cores');
    // Workers 1 and 4: the pool and process speedups and the ideal, capped at the 2 physical cores.
    const spec = scaling.build([...withWorkers(withWorkers(fixture, 1), 4), topologyRow(4, 'logical_cpus', 4), topologyRow(4, 'physical_cores', 2)]);
    valid(spec);
    const xEncodings = xs(spec);
    expect(xEncodings.length).toBeGreaterThan(4);
    for (const x of xEncodings) expect(x).toEqual(log2Axis([1, 2, 4], 4));
    const ideal = ofKind(spec, 'ideal').map(({ op, workers, ideal }) => ({ op, workers, ideal }));
    expect(ideal.sort((a, b) => String(a.op).localeCompare(String(b.op)) || Number(a.workers) - Number(b.workers))).toEqual(
      ['templating', 'tokenizing'].flatMap((op) => [{ op, workers: 1, ideal: 1 }, { op, workers: 2, ideal: 2 }, { op, workers: 4, ideal: 2 }]),
    );
    expect(ofKind(spec, 'cpu_rule')).toEqual(
      ['templating', 'tokenizing'].flatMap((op) => [
        { op, kind: 'cpu_rule', which: 'logical', x_pos: 4, label: '4 logical CPUs' },
        { op, kind: 'cpu_rule', which: 'physical', x_pos: 2, label: '2 physical cores' },
      ]),
    );
    expect(subtitle(spec)).toContain('Grey dashed: ideal (linear, capped at the physical cores); dotted verticals: 4 logical CPUs, 2 physical cores.');
    const ruleLayer = (collect(spec, 'layer').flat() as { transform?: unknown; layer?: { mark: { type: string }; encoding: Record<string, unknown> }[] }[]).find(
      (l) => JSON.stringify(l.transform) === JSON.stringify([{ filter: "datum.kind === 'cpu_rule'" }]),
    );
    expect(ruleLayer?.layer?.map((l) => [l.mark.type, l.encoding.text ?? null])).toEqual([['rule', null], ['text', { field: 'label' }]]);
  });

  it('4-scaling without SMT (the fixture: 2 logical CPUs = 2 physical cores): one rule, labelled as both', () => {
    // With pool×1 rows, as a run measuring two worker counts: an ideal point at each.
    const spec = scaling.build(withWorkers(rowsOf(4), 1));
    for (const x of xs(spec)) expect(x).toEqual(log2Axis([1, 2], 2));
    expect(ofKind(spec, 'ideal').map((v) => v.ideal)).toEqual([1, 2, 1, 2]);
    expect(ofKind(spec, 'cpu_rule')).toEqual(['templating', 'tokenizing'].map((op) => ({ op, kind: 'cpu_rule', which: 'logical', x_pos: 2, label: '2 logical CPUs (= physical cores)' })));
    expect(subtitle(spec)).toContain('dotted vertical: 2 logical CPUs (= physical cores).');
  });

  it('4-scaling of a run without topology rows: log2 axis, no rules', () => {
    const spec = scaling.build(rowsOf(4).filter((r) => r.metric !== 'logical_cpus' && r.metric !== 'physical_cores'));
    valid(spec);
    for (const x of xs(spec)) expect(x).toEqual(log2Axis([1, 2], 2));
    expect(ofKind(spec, 'cpu_rule')).toEqual([]);
    expect(subtitle(spec)).toContain('dotted vertical: CPU count not recorded in this run.');
  });

  it('3-queue: the subtitle names a right panel only when the template shares (full runs) draw one', () => {
    const quick = queue.build(rowsOf(3));
    expect(subtitle(quick)).toMatch(/^Batch preparation time, whiskers 95% CI; dashed line: main thread\. Pools include every round trip;/);
    const shares = rowsOf(3).filter((r) => r.metric === 'batch_prepare').map((r) => ({ ...r, metric: 'template_share', unit: '%', median: 10, ci_low: 9, ci_high: 11 }));
    expect(subtitle(queue.build([...rowsOf(3), ...shares]))).toMatch(/^Left: batch preparation time, whiskers 95% CI; dashed line: main thread\. Right: template rendering share of it\. /);
    // Two templates stack the panels.
    const other = [...rowsOf(3), ...shares].map((r) => ({ ...r, template: 'qwen3-full' }));
    expect(subtitle(queue.build([...rowsOf(3), ...shares, ...other]))).toMatch(/^Top: batch preparation time, .* Bottom: template rendering share of it\. /);
  });

  it('3-queue: log2 workers axis; rules per template facet in both panels when the rows carry the topology', () => {
    // The quick fixture has no template_share rows (full runs only): a share per strategy stands in for
    // them, so both panels are drawn; and no topology rows, so the rules come only from those given here.
    const measuredRows = rowsOf(3).filter((r) => r.metric !== 'logical_cpus' && r.metric !== 'physical_cores');
    const shares = measuredRows.filter((r) => r.metric === 'batch_prepare').map((r) => ({ ...r, metric: 'template_share', unit: '%', median: 10, ci_low: 9, ci_high: 11 }));
    const plain = queue.build([...measuredRows, ...shares]);
    for (const x of xs(plain)) expect(x).toEqual(log2Axis([1, 2], 2));
    expect(ofKind(plain, 'cpu_rule')).toEqual([]);

    const spec = queue.build([...measuredRows, ...shares, topologyRow(3, 'logical_cpus', 4), topologyRow(3, 'physical_cores', 2)]);
    valid(spec);
    const xEncodings = xs(spec);
    expect(xEncodings.length).toBeGreaterThan(4);
    for (const x of xEncodings) expect(x).toEqual(log2Axis([1, 2], 4));
    const template = 'llama3.1-full';
    const rules = [
      { template, kind: 'cpu_rule', which: 'logical', x_pos: 4, label: '4 logical CPUs' },
      { template, kind: 'cpu_rule', which: 'physical', x_pos: 2, label: '2 physical cores' },
    ];
    // Preparation time panel, then template share panel.
    expect(ofKind(spec, 'cpu_rule')).toEqual([...rules, ...rules]);
    expect(subtitle(spec)).toContain('Dotted verticals: 4 logical CPUs, 2 physical cores.');
  });
});

describe('chart writer', () => {
  it("a spec without a title gets the chart's declared question; one with its own keeps it", async () => {
    const plain: ChartDefinition = { id: 'plain', title: 'Is the question the title?', build: () => ({ data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } }) };
    const own: ChartDefinition = { id: 'own', title: 'Declared?', build: () => noDataSpec('Its own title?', 'test') };
    const out = await writeCharts(tempDir(), [{ id: 9, charts: [plain, own] }], []);
    expect(out.map((c) => (c.spec as { title?: unknown }).title)).toEqual(['Is the question the title?', (noDataSpec('Its own title?', 'test') as { title?: unknown }).title]);
  });

  it('a failing chart is recorded as a no-data panel and the others are still written', async () => {
    const dir = tempDir();
    const broken: ChartDefinition = { id: 'broken', title: 'Does a throwing builder stop the others?', build: () => { throw new Error('builder exploded'); } };
    const fine: ChartDefinition = { id: 'fine', title: 'Is this one still drawn?', build: () => noDataSpec('Is this one still drawn?', 'test') };
    const out = await writeCharts(dir, [{ id: 9, charts: [broken, fine] }], []);
    expect(out.map((c) => [c.name, !!c.error])).toEqual([['9-broken', true], ['9-fine', false]]);
    expect(out[0].error).toContain('builder exploded');
    for (const f of ['9-broken.vl.json', '9-broken.svg', '9-broken.png', '9-fine.vl.json', '9-fine.svg', '9-fine.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, '9-broken.vl.json'), 'utf8')).toContain('chart failed');
  });
});

describe('run folder', () => {
  it('reads results.csv back with numbers as numbers and empty cells as empty', () => {
    const parsed = parseResultsCsv('run_id,suite,experiment,model,template,engine,tokenizer,strategy,workers,turns,tokens,metric,unit,n,median,p90,p99,mean,sd,ci_low,ci_high,status,error,note\nr,s,3,m,t,jinja,js,pool,2,100,1000,batch_prepare,ms,10,171,250,,,,162,185,ok,,"a, quoted\nnote"\n');
    expect(parsed[0]).toMatchObject({ experiment: 3, workers: 2, median: 171, p99: '', strategy: 'pool', note: 'a, quoted\nnote' });
    // A run written before the replication columns were appended reads them as empty; the parameters are the header's only.
    expect(parsed[0]).toMatchObject({ runs: '', between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '' });
    expect(parsed[0].concurrency).toBeUndefined();
  });

  it('a bad path is a clear error with exit code 2', async () => {
    expect(() => loadRun('/nonexistent/run')).toThrow(RunFolderError);
    let stderr = '';
    const code = await runReportCli(['/nonexistent/run'], { stdout: () => {}, stderr: (s) => (stderr += s) });
    expect(code).toBe(2);
    expect(stderr).toContain('run folder not found: /nonexistent/run');
    expect(await runReportCli([tempDir()], { stdout: () => {}, stderr: () => {} })).toBe(2);
  });
});
