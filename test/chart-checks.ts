/** Checks shared by the chart tests: vega-lite compile warnings, and the fields a spec uses vs provides. */
import * as vl from 'vega-lite';
import type { VegaLiteSpec } from '../visualization/chart.ts';

/** Compiles and returns vega-lite's warnings (a warning usually means a channel or scale is ignored). */
export function compileWarnings(spec: VegaLiteSpec): string[] {
  const warnings: string[] = [];
  const logger = { level: () => logger, warn: (...a: unknown[]) => (warnings.push(a.join(' ')), logger), info: () => logger, debug: () => logger, error: (...a: unknown[]) => { throw new Error(a.join(' ')); } };
  vl.compile(spec, { logger: logger as never });
  return warnings;
}

/** Field names the spec's encodings and facets use, and the fields its data and transforms provide. */
export function fields(spec: unknown): { used: Set<string>; available: Set<string> } {
  const used = new Set<string>();
  const available = new Set<string>();
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, key);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (key === 'values' && !Array.isArray(o)) return;
    if (key === 'encoding') {
      for (const channel of Object.values(o)) for (const def of [channel].flat()) if (def && typeof (def as { field?: unknown }).field === 'string') used.add((def as { field: string }).field);
    }
    if (key === 'facet' && typeof o.field === 'string') used.add(o.field);
    if (key === 'column' || key === 'row') if (typeof o.field === 'string') used.add(o.field);
    for (const a of [o.as].flat()) if (typeof a === 'string') available.add(a);
    for (const [k, v] of Object.entries(o)) {
      if (k === 'values' && Array.isArray(v)) v.forEach((d) => Object.keys(d as object).forEach((f) => available.add(f)));
      else visit(v, k);
    }
  };
  visit(spec);
  return { used, available };
}
