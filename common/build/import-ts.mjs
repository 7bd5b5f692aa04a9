// Loads a TypeScript module from the plain-JS worker entries (worker threads and forked workers inherit
// no TypeScript loader): the prebuilt bundle when the runner made one (common/build/prebuilt.ts; the URLs
// arrive in PREPBENCH_PREBUILT, keyed by source path), otherwise through tsx.
import { fileURLToPath } from 'node:url';

const prebuilt = JSON.parse(process.env.PREPBENCH_PREBUILT || '{}');

/** The module `specifier` (relative to `parentUrl`) as `import()` would give it. */
export async function importTs(specifier, parentUrl) {
  const url = new URL(specifier, parentUrl);
  const built = prebuilt[fileURLToPath(url)];
  if (built) return import(built);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url.href, parentUrl);
}
