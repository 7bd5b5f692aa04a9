/**
 * The browser builds of Vega, Vega-Lite and vega-embed, read from node_modules so report.html can inline
 * them and open with no network at all. Their package `exports` hide the build/ subpaths, so each is
 * found next to the package's resolved entry point (all three live in build/).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const BUNDLES = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;

export interface Bundle {
  name: string;
  source: string;
}

let cached: Bundle[] | undefined;

/** vega first (it defines `vega`), then vega-lite (`vegaLite`), then vega-embed which needs both. */
export function browserBundles(): Bundle[] {
  cached ??= BUNDLES.map(([pkg, file]) => ({ name: `${pkg}/build/${file}`, source: readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8') }));
  return cached;
}
