/**
 * report.html opened from disk in a real browser (Debian's Chromium via playwright-core): every chart
 * renders, nothing but the file itself is requested, no console error, tooltips work. Built from a
 * small trimmed fixture of a real quick run (test/fixtures/run) — no benchmark runs here.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { preprocessingSuite } from '../suites/preprocessing/index.ts';
import { buildReport } from '../visualization/report.ts';
import { tempDir } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'run');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

describe('report.html in Chromium', () => {
  it('renders every chart offline, with tooltips and no console error', async () => {
    // A missing browser must fail loudly: a skipped browser test would hide a broken report.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run 'apt-get install -y chromium' (.ci/run does this)`);
    const dir = tempDir('prepbench-report-');
    for (const f of readdirSync(FIXTURE)) cpSync(join(FIXTURE, f), join(dir, f));
    const outcome = await buildReport(dir, preprocessingSuite.experiments);
    expect(outcome.charts.filter((c) => c.error)).toEqual([]);
    const names = outcome.charts.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(8);

    const fileUrl = pathToFileURL(outcome.reportPath).href;
    const context = await chromium.launchPersistentContext(tempDir('prepbench-chromium-'), { executablePath: CHROMIUM, headless: true, args: ARGS });
    const requests: string[] = [];
    const problems: string[] = [];
    try {
      // Every request is routed: only the report file itself may load; anything else is aborted and fails the test.
      await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : (requests.push(route.request().url()), route.abort())));
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('request', (r) => {
        if (r.url() !== fileUrl && !r.url().startsWith('data:')) requests.push(r.url());
      });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(fileUrl, { waitUntil: 'load' });

      const rendered = () =>
        page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => ({ name: el.dataset.chart, marks: el.querySelectorAll('svg .mark-group, svg .role-mark').length, svg: !!el.querySelector('svg') })));
      // Settled = drawn, or replaced by the page's own failure text (then the assertions below say which).
      await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((el) => el.querySelector('svg') || /failed|no spec/.test(el.textContent ?? '')), undefined, { timeout: 30_000 });
      const charts = await rendered();
      expect(charts.map((c) => c.name).sort()).toEqual([...names].sort());
      for (const c of charts) expect(c, `chart ${c.name}`).toMatchObject({ svg: true, marks: expect.any(Number) });
      expect(charts.every((c) => c.marks > 0)).toBe(true);

      // Interactive tooltip: hovering a bar of the anatomy chart shows vega-embed's tooltip.
      await page.locator('#chart-1-anatomy svg .mark-rect path').first().hover();
      await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
      expect(await page.textContent('#vg-tooltip-element')).toContain('median');

      // Kept after the test (not a tempDir that is cleaned up) so a person can look at it.
      const shot = join(mkdtempSync(join(tmpdir(), 'prepbench-report-shot-')), 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
      console.log(`report screenshot: ${shot}`);
    } finally {
      await context.close();
    }
    expect(requests, 'requests other than report.html').toEqual([]);
    expect(problems).toEqual([]);
  });
});
