/**
 * Unusable paths fail at once with exit 2 and a message naming the path and the reason, before any work:
 * `--out` (checked by common/output-dir.ts), `render --messages`, `--config`, `--prompts`. Every case
 * here is rejected before a run would start, so no benchmark runs.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWritableDir, OutputDirError } from '../common/output-dir.ts';
import { cli, tempDir } from './helpers.ts';

// Permission bits do not apply to root: a chmod 0o555 folder is writable for it.
const isRoot = process.getuid?.() === 0;

async function expectUsageError(argv: string[], path: string, reason: RegExp): Promise<void> {
  const r = await cli(...argv);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toMatch(reason);
}

describe('bench --out: the output folder is checked before any work', () => {
  it('a file in the way', async () => {
    const file = join(tempDir(), 'results');
    writeFileSync(file, 'not a folder');
    await expectUsageError(['--quick', '--out', file], file, /is a file, not a directory/);
  });

  it('a path through a file', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'not a folder');
    const out = join(file, 'results');
    await expectUsageError(['--quick', '--out', out], out, new RegExp(`${file} is a file, not a directory`));
  });

  it('a path under /proc (Node\'s recursive mkdir loops forever there)', async () => {
    await expectUsageError(['--quick', '--out', '/proc/prepbench-nope/results'], '/proc/prepbench-nope/results', /virtual proc file system/);
    expect(existsSync('/proc/prepbench-nope')).toBe(false);
  });

  it.skipIf(isRoot)('a read-only folder (skipped as root: permission bits do not apply to root)', async () => {
    const ro = join(tempDir(), 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      const out = join(ro, 'results');
      await expectUsageError(['--quick', '--out', out], out, /cannot create .*\(EACCES\): permission denied/);
      await expectUsageError(['--quick', '--out', ro], ro, /cannot write in this directory \(EACCES\): permission denied/);
    } finally {
      chmodSync(ro, 0o755); // so the temp folder can be removed
    }
  });
});

describe('ensureWritableDir', () => {
  it('creates missing parents one by one and leaves no probe behind', () => {
    const base = tempDir();
    const out = join(base, 'a', 'b', 'c');
    ensureWritableDir(out);
    expect(readdirSync(out)).toEqual([]);
    ensureWritableDir(out); // an existing folder is fine too
    expect(readdirSync(out)).toEqual([]);
  });

  it('throws an OutputDirError naming the path', () => {
    expect(() => ensureWritableDir('/proc/nope')).toThrow(OutputDirError);
    expect(() => ensureWritableDir('/proc/nope')).toThrow(/^\/proc\/nope: /);
  });
});

describe('input files: a folder, a missing or an unreadable file exits 2 naming it', () => {
  it('render --messages: a folder', async () => {
    const dir = tempDir();
    await expectUsageError(['render', '--model', 'qwen3', '--messages', dir], dir, /\(EISDIR\): it is a directory, not a file/);
  });

  it('render --messages: a missing file', async () => {
    const missing = join(tempDir(), 'missing.json');
    await expectUsageError(['render', '--model', 'qwen3', '--messages', missing], missing, /\(ENOENT\): no such file or directory/);
  });

  it('--config: a folder', async () => {
    const dir = tempDir();
    await expectUsageError(['--quick', '--suite', 'inference', '--config', dir], dir, /--config: cannot read .*\(EISDIR\): it is a directory, not a file/);
  });

  it('--prompts: a missing file', async () => {
    const missing = join(tempDir(), 'missing.jsonl');
    await expectUsageError(['--quick', '--suite', 'inference', '--prompts', missing], missing, /--prompts: cannot read .*\(ENOENT\): no such file or directory/);
  });

  it.skipIf(isRoot)('--config: an unreadable file (skipped as root: permission bits do not apply to root)', async () => {
    const file = join(tempDir(), 'secret.yaml');
    writeFileSync(file, 'concurrency: [1]\n');
    chmodSync(file, 0o000);
    await expectUsageError(['--quick', '--suite', 'inference', '--config', file], file, /\(EACCES\): permission denied/);
  });
});
