/**
 * Builds and renders every chart an experiment declares into the run folder: `<exp>-<id>.vl.json`,
 * `.svg`, `.png`. One chart's failure is recorded (and shown as a "no data" panel) and never stops the
 * others; nothing here touches results.csv.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRow } from '../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from './chart.ts';
import { noDataSpec } from './no-data.ts';
import { specToSvg, svgToPngAsync } from './render-chart.ts';

export interface ChartSource {
  id: number;
  charts?: ChartDefinition[];
}

export interface ChartOutcome {
  experiment: number;
  id: string;
  title: string;
  /** File name stem in the run folder: `<exp>-<id>`. */
  name: string;
  /** The spec that was written (the no-data panel when the builder failed). */
  spec?: VegaLiteSpec;
  /** Why the chart could not be built or rendered; the other files may still exist. */
  error?: string;
  files: string[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 300);

/** Writes the spec and SVG; the PNG is rasterised in the background (`png` settles when it is written). */
async function renderOne(dir: string, experiment: number, chart: ChartDefinition, rows: ResultRow[]): Promise<{ outcome: ChartOutcome; png: Promise<void> }> {
  const name = `${experiment}-${chart.id}`;
  const outcome: ChartOutcome = { experiment, id: chart.id, title: chart.title, name, files: [] };
  let spec: VegaLiteSpec;
  try {
    const built = chart.build(rows);
    // The declared question is the title of a spec that sets none (as the contract says).
    spec = built.title === undefined ? ({ ...built, title: chart.title } as VegaLiteSpec) : built;
  } catch (err) {
    outcome.error = `building the spec failed: ${message(err)}`;
    spec = noDataSpec(chart.title, `chart failed (${outcome.error})`);
  }
  outcome.spec = spec;
  const write = (ext: string, data: string | Buffer) => {
    writeFileSync(join(dir, `${name}.${ext}`), data);
    outcome.files.push(`${name}.${ext}`);
  };
  const fail = (err: unknown): void => {
    outcome.error = [outcome.error, `rendering failed: ${message(err)}`].filter(Boolean).join('; ');
  };
  let png: Promise<void> = Promise.resolve();
  try {
    write('vl.json', JSON.stringify(spec, null, 2) + '\n');
    const svg = await specToSvg(spec);
    write('svg', svg);
    png = svgToPngAsync(svg).then((buffer) => write('png', buffer), fail);
  } catch (err) {
    fail(err);
  }
  return { outcome, png };
}

/** Renders the charts of every experiment that has rows in this run, in experiment order. */
export async function writeCharts(dir: string, experiments: ChartSource[], rows: ResultRow[]): Promise<ChartOutcome[]> {
  const outcomes: ChartOutcome[] = [];
  const pngs: Promise<void>[] = [];
  for (const e of [...experiments].sort((a, b) => a.id - b.id)) {
    const mine = rows.filter((r) => r.experiment === e.id);
    for (const chart of e.charts ?? []) {
      const { outcome, png } = await renderOne(dir, e.id, chart, mine);
      outcomes.push(outcome);
      pngs.push(png);
    }
  }
  await Promise.all(pngs);
  return outcomes;
}
