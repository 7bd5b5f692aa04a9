/**
 * Code: TypeScript's standard library declarations (`lib.*.d.ts` of the `typescript` package: interfaces,
 * overloads and their JSDoc, ≈3 MB). Each file's licence header is left out, so passages do not repeat it.
 * Reading the files takes ≈15 ms: no cache.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../build/package-root.ts';
import type { Rng } from '../stats/rng.ts';

export const CODE_PACKAGE = 'typescript';

let source: string | undefined;

/** Every lib file's declarations, in file-name order, separated by a blank line. */
export function codeText(): string {
  if (source === undefined) {
    const lib = join(packageRoot(CODE_PACKAGE).dir, 'lib');
    const files = readdirSync(lib).filter((f) => /^lib\..+\.d\.ts$/.test(f)).sort();
    source = files.map((f) => withoutHeader(readFileSync(join(lib, f), 'utf8'))).join('\n\n').normalize('NFC');
  }
  return source;
}

/** Drops the leading `/*! … *\/` licence block and `/// <reference …/>` lines. */
function withoutHeader(file: string): string {
  return file
    .replace(/^\s*\/\*![\s\S]*?\*\/\s*/, '')
    .replace(/^\/\/\/ <reference[^\n]*\n/gm, '')
    .replace(/\r\n/g, '\n')
    .trim();
}

/**
 * Whole lines from a seeded offset anywhere in the library, at least `chars` characters, starting at
 * the next top-level declaration or comment (as a pasted snippet would, not at a closing brace) and continuing past
 * the end at the start.
 */
export function codeSnippet(rng: Rng, chars: number): string {
  const text = codeText();
  const offset = Math.floor(rng() * text.length);
  const top = /\n(?=[\w/@])/g;
  top.lastIndex = offset;
  let from = top.test(text) ? top.lastIndex : 0;
  let snippet = '';
  while (snippet.length < chars) {
    const newline = text.indexOf('\n', from + chars - snippet.length);
    const end = newline >= 0 ? newline : text.length;
    snippet += (snippet ? '\n' : '') + text.slice(from, end);
    from = end === text.length ? 0 : end + 1;
  }
  return snippet;
}
