/**
 * report.html opened from disk in a real browser (playwright-core; a system Chromium, else the one in the
 * @sparticuz/chromium npm package: see browser-helpers.ts): the expected headings, every chart drawn as
 * SVG with its title and axis text, nothing but the file itself requested, no console error, tooltips
 * work. Built from a small trimmed fixture of a real quick run (test/fixtures/run) — no benchmark runs
 * here. The page opens with the Answers (findings of the registry's experiments, computed from the
 * fixture's rows), and every finding's chart link leads to a chart on the page. The run folder is a
 * tempDir, removed after the file.
 */
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../common/results/run-folder.ts';
import { allExperiments } from '../suites/registry.ts';
import { buildReport } from '../visualization/build-report.ts';
import { launchBrowser } from './browser-helpers.ts';
import { readCsv, tempDir } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'run');

/** The first line of a spec's title (Vega-Lite: a string, lines, or { text }). */
function titleLine(spec: unknown): string | undefined {
  const title = (spec as { title?: unknown } | undefined)?.title;
  const text = typeof title === 'object' && title !== null && !Array.isArray(title) ? (title as { text?: unknown }).text : title;
  const first = Array.isArray(text) ? text[0] : text;
  return typeof first === 'string' ? first : undefined;
}

describe('report.html in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    // A missing browser fails loudly (no skip): a skipped browser test would hide a broken report.
    const launched = await launchBrowser();
    browser = launched.browser;
    console.log(`browser: ${launched.choice.source} Chromium ${browser.version()} (${launched.choice.executablePath})`);
  });
  afterAll(() => browser?.close());

  it('renders every chart offline, with headings, chart text, tooltips and no console error', async () => {
    const dir = tempDir('prepbench-report-');
    for (const f of readdirSync(FIXTURE)) cpSync(join(FIXTURE, f), join(dir, f));
    const experiments = allExperiments().map((e) => e.experiment);
    const outcome = await buildReport(loadRun(dir), experiments);
    expect(outcome.charts.filter((c) => c.error)).toEqual([]);
    const names = outcome.charts.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(8);
    const present = [...new Set(readCsv(join(dir, 'results.csv')).map((r) => Number(r.experiment)))].sort((a, b) => a - b);
    const expectedSections = present.map((id) => `Experiment ${id} — ${experiments.find((e) => e.id === id)!.title}`);

    const fileUrl = pathToFileURL(outcome.reportPath).href;
    const context = await browser.newContext();
    const requests: string[] = [];
    const problems: string[] = [];
    try {
      // Every request is routed: only the report file itself may load; anything else is aborted and fails the test.
      await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : (requests.push(route.request().url()), route.abort())));
      const page = await context.newPage();
      page.on('request', (r) => {
        if (r.url() !== fileUrl && !r.url().startsWith('data:')) requests.push(r.url());
      });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(fileUrl, { waitUntil: 'load' });

      expect(await page.locator('h1').textContent()).toMatch(/^prepbench run 2026-12-06T01-25-16Z$/);
      // The fixture has experiment 11's rows: its verdict comes first, then the Answers, then the rest.
      expect(await page.locator('h2').allTextContents()).toEqual(['Verdict', 'Answers', 'Environment', ...expectedSections]);
      const answersFirst = await page.evaluate(() => {
        const verdict = document.querySelector('#verdict');
        const answers = document.querySelector('#answers');
        const env = [...document.querySelectorAll('h2')].find((h) => h.textContent === 'Environment');
        const precedes = (a: Element, b: Element) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
        return !!verdict && !!answers && !!env && precedes(verdict, answers) && precedes(answers, env);
      });
      expect(answersFirst, '#verdict, then #answers, before the Environment heading').toBe(true);
      expect(await page.locator('#verdict li').count(), 'one verdict per model and text of the fixture').toBe(2);
      // Every finding's chart link points to a chart drawn on this page; at least one finding links one.
      const links = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLAnchorElement>('#answers a.chart-link')].map((a) => {
          const href = a.getAttribute('href') ?? '';
          const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
          return { href, finding: a.closest('li')?.dataset.finding, chart: target?.classList.contains('chart') ?? false, exists: !!target };
        }),
      );
      expect(links.length, 'findings with a chart link in the Answers').toBeGreaterThan(0);
      for (const l of links) {
        expect(l.href, `finding ${l.finding}`).toMatch(/^#chart-\d+-/);
        expect(l.exists, `finding ${l.finding}: ${l.href} exists in the page`).toBe(true);
        expect(l.chart, `finding ${l.finding}: ${l.href} is a chart`).toBe(true);
      }

      // Settled = drawn, or replaced by the page's own failure text (then the assertions below say which).
      await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((el) => el.querySelector('svg') || /failed|no spec/.test(el.textContent ?? '')), undefined, { timeout: 30_000 });
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
          const svg = el.querySelector('svg');
          const texts = svg ? [...svg.querySelectorAll('text')].map((t) => t.textContent?.trim() ?? '').filter(Boolean) : [];
          const box = svg?.getBoundingClientRect();
          return { name: el.dataset.chart, svg: !!svg, marks: svg ? svg.querySelectorAll('.mark-group, .role-mark').length : 0, texts, width: box?.width ?? 0, height: box?.height ?? 0, shown: el.textContent?.slice(0, 200) };
        }),
      );
      expect(charts.map((c) => c.name).sort()).toEqual([...names].sort());
      for (const c of charts) {
        const spec = outcome.charts.find((o) => o.name === c.name)!.spec;
        expect(c.svg, `chart ${c.name} is an SVG (page shows: ${c.shown})`).toBe(true);
        expect(c.marks, `chart ${c.name} marks`).toBeGreaterThan(0);
        expect(c.width * c.height, `chart ${c.name} has a drawn size`).toBeGreaterThan(0);
        // Title and axis labels are real <text> in the drawn SVG.
        expect(c.texts.length, `chart ${c.name} text elements`).toBeGreaterThan(3);
        const title = titleLine(spec);
        expect(title, `chart ${c.name} spec title`).toBeTruthy();
        expect(c.texts.join('\n'), `chart ${c.name} title text`).toContain(title);
      }

      // Interactive tooltip: hovering a bar of the anatomy chart shows vega-embed's tooltip.
      await page.locator('#chart-1-anatomy svg .mark-rect path').first().hover();
      await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
      expect(await page.textContent('#vg-tooltip-element')).toContain('median');
    } finally {
      await context.close();
    }
    expect(requests, 'requests other than report.html').toEqual([]);
    expect(problems).toEqual([]);
  });
});
