/**
 * nunjucks is pinned to an exact version in package.json, and the installed copy must be that version:
 * common/templates/jinja-compat/ subclasses nunjucks' lexer Tokenizer, Parser and Compiler and overrides
 * their private methods (nextToken, parsePrimary, compileFunCall, compileFor, …), none of which is nunjucks'
 * public API or kept stable across its releases, even patch releases. Moving the pin means re-running test/nunjucks-compat.test.ts and
 * test/templates-parity.test.ts against the new version, then updating PINNED here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PINNED = '3.2.4';
const ROOT = resolve(import.meta.dirname, '..');

describe('nunjucks version', () => {
  it('package.json pins nunjucks to the exact version the compatibility layer was written against', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
    expect(pkg.dependencies.nunjucks).toBe(PINNED);
  });

  it('the installed nunjucks is the pinned version', () => {
    const require = createRequire(resolve(ROOT, 'common', 'templates', 'jinja-compat', 'internals.ts'));
    const installed: { version: string } = require('nunjucks/package.json');
    expect(installed.version).toBe(PINNED);
  });
});
