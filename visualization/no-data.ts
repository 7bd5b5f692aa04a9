/**
 * The plain panel a chart shows when it has nothing to plot (no rows, or every row failed): a title and
 * one line of reason, so a missing chart is visibly missing rather than an empty axis.
 */
import type { VegaLiteSpec } from './chart.ts';

export function noDataSpec(title: string, reason: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    width: 480,
    height: 60,
    data: { values: [{ message: `no data: ${reason}` }] },
    mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 13, color: '#555' },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: 10 }, y: { value: 30 } },
    config: { view: { stroke: '#ccc' } },
    usermeta: { noData: reason },
  };
}
