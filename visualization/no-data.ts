/**
 * The plain panel a chart shows when it has nothing to plot (no rows, or every row failed): the title and
 * one line of reason, so a missing chart is visibly missing rather than an empty axis.
 */
import type { VegaLiteSpec } from './chart.ts';
import { CONFIG, SCHEMA, wrap } from './style.ts';

export function noDataSpec(title: string, reason: string): VegaLiteSpec {
  const lines = wrap(`no data: ${reason}`, 75);
  return {
    $schema: SCHEMA,
    title: { text: wrap(title, 80) },
    config: CONFIG,
    width: 520,
    height: 24 + 18 * lines.length,
    data: { values: [{ message: lines.join('\n') }] },
    mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 13, color: '#555', lineBreak: '\n' },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: 12 }, y: { value: 12 } },
    usermeta: { noData: reason },
  };
}
