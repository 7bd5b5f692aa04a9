/**
 * The Chromium that tests drive through playwright-core. A bare machine has only Node: no apt Chromium
 * and no `npx playwright install` (its downloads are blocked here), so when no system Chromium exists the
 * headless Chromium shipped inside the @sparticuz/chromium npm package (a devDependency) is used. A
 * system one is preferred when present: no 2–3 s unpack and no 200 MB in the temp folder.
 *
 * PREPBENCH_BROWSER: unset = a system Chromium if found, else the npm one; `npm` = always the npm one;
 * `system` = a system one only (fails if none); an absolute path = that executable.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { chromium as playwright, type Browser } from 'playwright-core';

export interface BrowserChoice {
  source: 'system' | 'npm';
  executablePath: string;
  args: string[];
}

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/**
 * Unpacks @sparticuz/chromium once per package version into <tmp>/prepbench-chromium-<version>/. The
 * package itself unpacks into the shared temp folder and reuses <tmp>/chromium whenever it exists, even
 * half-written by an interrupted or concurrent unpack (several test runs share this machine). So unpack
 * into a private staging folder (the package writes to os.tmpdir(), i.e. $TMPDIR, which is pointed there
 * for the call) and rename it into place: the cache folder exists only when complete.
 */
async function npmChromium(): Promise<string> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const pkgDir = dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const base = tmpdir();
  const cache = join(base, `prepbench-chromium-${version}`);
  const exe = join(cache, 'chromium');
  if (existsSync(exe)) return exe;
  const staging = mkdtempSync(join(base, `prepbench-chromium-${version}.partial-`));
  const saved = process.env.TMPDIR;
  try {
    process.env.TMPDIR = staging;
    const unpacked = await chromium.executablePath();
    if (unpacked !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected ${staging}/chromium`);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    renameSync(staging, cache);
  } catch (err) {
    // Another process finished first: use its copy.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(exe)) throw err;
  }
  return exe;
}

export async function findBrowser(mode = process.env.PREPBENCH_BROWSER ?? ''): Promise<BrowserChoice> {
  if (isAbsolute(mode)) {
    if (!existsSync(mode)) throw new Error(`PREPBENCH_BROWSER=${mode}: no such file`);
    return { source: 'system', executablePath: mode, args: SYSTEM_ARGS };
  }
  if (mode !== '' && mode !== 'npm' && mode !== 'system') throw new Error(`PREPBENCH_BROWSER=${mode}: expected npm, system or an absolute path`);
  if (mode !== 'npm') {
    const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
    if (system) return { source: 'system', executablePath: system, args: SYSTEM_ARGS };
    if (mode === 'system') throw new Error(`PREPBENCH_BROWSER=system: none of ${SYSTEM_CHROMIUMS.join(', ')} exists`);
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  return { source: 'npm', executablePath: await npmChromium(), args: chromium.args };
}

/** A headless browser (close it when done) and where it came from. */
export async function launchBrowser(): Promise<{ browser: Browser; choice: BrowserChoice }> {
  const choice = await findBrowser();
  const browser = await playwright.launch({ executablePath: choice.executablePath, args: choice.args, headless: true });
  return { browser, choice };
}
