/**
 * Headless rendering of a Vega-Lite spec: compile with vega-lite, render with a renderer-less Vega
 * view to SVG, rasterise with resvg. Fonts: resvg is pointed at the system's DejaVu Sans, or sans-serif
 * would fall back to a serif face (and with no fonts at all no text would be drawn).
 */
import { Resvg, renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { VegaLiteSpec } from './chart.ts';

export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at 2× the SVG's size, so labels stay legible when the image is scaled up in a document. */
const PNG_OPTIONS: ResvgRenderOptions = {
  fitTo: { mode: 'zoom', value: 2 },
  background: 'white',
  font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
};

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, PNG_OPTIONS).render().asPng();
}

/**
 * The same on libuv's threadpool: rasterising (about half the render time) then overlaps with building
 * the next chart's SVG on the main thread.
 */
export async function svgToPngAsync(svg: string): Promise<Buffer> {
  return (await renderAsync(svg, PNG_OPTIONS)).asPng();
}
