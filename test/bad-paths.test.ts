/**
 * Unusable paths fail at once with exit 2 and a message naming the path and the reason, before any work:
 * `--out` (checked by common/results/output-dir.ts), `render --messages`, `--config`, `--prompts`. Every case
 * here is rejected before a run would start, so no benchmark runs.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWritableDir, OutputDirError } from '../common/results/output-dir.ts';
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
    await expectUsageError(['--quick', '--suite', 'inference', '--config', dir], dir, /--config: .*: cannot read file \(EISDIR\): it is a directory, not a file/);
  });

  it('--prompts: a missing file', async () => {
    const missing = join(tempDir(), 'missing.jsonl');
    await expectUsageError(['--quick', '--suite', 'inference', '--prompts', missing], missing, /--prompts: .*: cannot read file \(ENOENT\): no such file or directory/);
  });

  it.skipIf(isRoot)('--config: an unreadable file (skipped as root: permission bits do not apply to root)', async () => {
    const file = join(tempDir(), 'secret.yaml');
    writeFileSync(file, 'concurrency: [1]\n');
    chmodSync(file, 0o000);
    await expectUsageError(['--quick', '--suite', 'inference', '--config', file], file, /\(EACCES\): permission denied/);
  });
});

/** The CLI in its own process: a read that blocks forever (a FIFO) is then a killed process and a failed test, not a hung test run. */
function cliProcess(...argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...argv], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

describe('render --messages: only a regular file within the limits is read', () => {
  const chat = (content: string) => JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content }]);

  it('a FIFO without a writer exits 2 instead of waiting for one', async () => {
    const fifo = join(tempDir(), 'chat.fifo');
    await new Promise<void>((resolve, reject) => execFile('mkfifo', [fifo], (err) => (err ? reject(err) : resolve())));
    const r = await cliProcess('render', '--model', 'qwen3', '--messages', fifo);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error: ${fifo}: cannot read file: it is a FIFO (named pipe), not a regular file`);
  });

  it('/dev/zero exits 2 instead of reading without end', async () => {
    const r = await cliProcess('render', '--model', 'qwen3', '--messages', '/dev/zero');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('error: /dev/zero: cannot read file: it is a character device, not a regular file');
  });

  it('a file over the size limit exits 2 naming its size, the limit and the flag; the flag raises it', async () => {
    const big = join(tempDir(), 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 17 * 2 ** 20); // sparse: the size is what is checked, before any read
    await expectUsageError(['render', '--model', 'qwen3', '--messages', big], big, /: the file is 17\.0 MB, over the limit of 16 MB for a messages file \(--max-messages-mb raises it\)$/m);
    const small = join(tempDir(), 'chat.json');
    writeFileSync(small, chat('hello world '.repeat(Math.ceil(2 ** 20 / 12)))); // words, not one run: a 1 MB run of one letter takes the JS tokenizer ~20 s
    await expectUsageError(['render', '--model', 'qwen3', '--messages', small, '--max-messages-mb', '1'], small, /: the file is 1\.0 MB, over the limit of 1 MB for a messages file \(--max-messages-mb raises it\)$/m);
    const r = await cli('render', '--model', 'qwen3', '--messages', small, '--max-messages-mb', '2', '--max-message-chars', String(2 ** 20 + 12));
    expect(r.code, r.stderr).toBe(0);
  });

  it('a message over the length limit exits 2 naming its index, role, length, the limit and the flag; the flag raises it', async () => {
    const file = join(tempDir(), 'long.json');
    writeFileSync(file, chat('x'.repeat(1_000_001)));
    await expectUsageError(['render', '--model', 'qwen3', '--messages', file], file, /: message 1 \("user"\) has 1000001 characters of content, over the limit of 1000000 \(--max-message-chars raises it\)$/m);
    writeFileSync(file, chat('x'.repeat(11)));
    await expectUsageError(['render', '--model', 'qwen3', '--messages', file, '--max-message-chars', '10'], file, /: message 1 \("user"\) has 11 characters of content, over the limit of 10 \(--max-message-chars raises it\)$/m);
    expect((await cli('render', '--model', 'qwen3', '--messages', file, '--max-message-chars', '11')).code).toBe(0);
  });

  it('a limit out of its range exits 2 naming the value and the range', async () => {
    for (const [flag, bad, range] of [['--max-messages-mb', '0', '1 to 512'], ['--max-messages-mb', '513', '1 to 512'], ['--max-message-chars', '1.5', '1 to 536870888']]) {
      const r = await cli('render', '--model', 'qwen3', '--messages', 'chat.json', flag, bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: ${flag}: '${bad}' is not a whole number from ${range}\n`);
    }
  });
});
