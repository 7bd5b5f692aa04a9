/**
 * What a chart is: a question, and a pure function from an experiment's tidy rows (results.csv) to a
 * Vega-Lite spec. Experiments declare their charts; the renderer and the HTML report do the rest.
 * Kept free of any experiment- or suite-specific type so every suite can declare charts the same way.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ResultRow } from '../common/results/results.ts';

/** A Vega-Lite top-level spec (unit, layer, concat, facet…), as `vl.compile` accepts it. */
export type VegaLiteSpec = TopLevelSpec;

export interface ChartDefinition {
  /** Short id, unique within the experiment; the files are `<exp>-<id>.vl.json/.svg/.png`. */
  id: string;
  /** The question the chart answers, used as its title. */
  title: string;
  /**
   * Builds the spec from the experiment's rows (every status; the builder picks what it plots).
   * Must not throw on missing data: return `noDataSpec(title, reason)` from visualization/no-data.ts.
   */
  build(rows: ResultRow[]): VegaLiteSpec;
}
