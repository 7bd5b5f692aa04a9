/**
 * The PNG charts draw their text with DejaVu Sans through resvg. Without that font resvg silently draws
 * no text at all (axes, titles, legends vanish), so prove text reaches the pixels: a chart's PNG must
 * differ from the PNG of the same SVG with every <text> element removed.
 */
import { describe, expect, it } from 'vitest';
import { noDataSpec } from '../visualization/no-data.ts';
import { specToSvg, svgToPng } from '../visualization/render.ts';

describe('PNG rendering draws text', () => {
  it('a chart with a title and a reason renders different pixels than the same chart without its text', async () => {
    const svg = await specToSvg(noDataSpec('Does text reach the PNG?', 'no rows: test'));
    const withoutText = svg.replace(/<text\b[^>]*>[\s\S]*?<\/text>/g, '');
    expect(withoutText).not.toBe(svg); // the SVG did contain text elements
    const png = svgToPng(svg);
    const blank = svgToPng(withoutText);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // PNG signature
    expect(png.equals(blank), 'no text was drawn: is the DejaVu Sans font (fonts-dejavu-core) installed?').toBe(false);
  });
});
