/**
 * The PNG charts draw their text with DejaVu Sans (from the dejavu-fonts-ttf npm package) through resvg.
 * Without a font resvg silently draws no text at all (axes, titles, legends vanish), so prove text reaches
 * the pixels: a chart's PNG must differ from the PNG of the same SVG with every <text> element removed.
 */
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { noDataSpec } from '../visualization/no-data.ts';
import { dejaVuFontFiles, specToSvg, svgToPng } from '../visualization/render-chart.ts';

const withoutText = (svg: string) => svg.replace(/<text\b[^>]*>[\s\S]*?<\/text>/g, '');

describe('PNG rendering draws text', () => {
  it('a chart with a title and a reason renders different pixels than the same chart without its text', async () => {
    const svg = await specToSvg(noDataSpec('Does text reach the PNG?', 'no rows: test'));
    expect(withoutText(svg)).not.toBe(svg); // the SVG did contain text elements
    const png = svgToPng(svg);
    const blank = svgToPng(withoutText(svg));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // PNG signature
    expect(png.equals(blank), 'no text was drawn: are the dejavu-fonts-ttf files loaded?').toBe(false);
  });

  it('the check above would catch a missing font: with no font loaded resvg draws the text-free image', async () => {
    const svg = await specToSvg(noDataSpec('Does text reach the PNG?', 'no rows: test'));
    const noFont = { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: false } } as const;
    const render = (s: string) => new Resvg(s, noFont).render().asPng();
    expect(render(svg).equals(render(withoutText(svg)))).toBe(true);
  });

  it('uses the npm package fonts (regular and bold), never the system ones', () => {
    const files = dejaVuFontFiles();
    expect(files.map((f) => f.replace(/\\/g, '/'))).toEqual([expect.stringMatching(/\/dejavu-fonts-ttf\/ttf\/DejaVuSans\.ttf$/), expect.stringMatching(/\/dejavu-fonts-ttf\/ttf\/DejaVuSans-Bold\.ttf$/)]);
  });

  it('a missing font file fails loudly, naming the file', () => {
    const missing = (id: string): string => {
      throw new Error(`Cannot find module '${id}'`);
    };
    expect(() => dejaVuFontFiles(missing)).toThrow(/DejaVuSans\.ttf not found in the dejavu-fonts-ttf package/);
  });
});
