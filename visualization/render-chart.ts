/**
 * Headless rendering of a Vega-Lite spec: compile with vega-lite, render with a renderer-less Vega
 * view to SVG, rasterise with resvg. Fonts: resvg draws with DejaVu Sans (regular and bold) from the
 * dejavu-fonts-ttf npm package and never loads the system's fonts, so a PNG looks the same on every machine
 * (with system fonts, sans-serif fell back to whatever was installed, and a machine without fonts drew
 * PNGs with no text at all and no warning).
 */
import { createRequire } from 'node:module';
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

/** The charts' faces: CONFIG's font in style.ts, bold for titles. */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/**
 * Absolute paths of the DejaVu Sans files in the dejavu-fonts-ttf package. Throws (naming the file) when
 * one is missing: resvg would otherwise draw the PNG silently without text. The chart step reports the
 * error on each chart (write-charts.ts) instead of writing a PNG without text.
 */
export function dejaVuFontFiles(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string[] {
  return FONT_FILES.map((file) => {
    try {
      return resolve(`dejavu-fonts-ttf/ttf/${file}`);
    } catch (err) {
      throw new Error(`font ${file} not found in the dejavu-fonts-ttf package (run npm ci): ${(err as Error).message.split('\n')[0]}`);
    }
  });
}

let pngOptions: ResvgRenderOptions | undefined;

/** PNG at 2× the SVG's size, so labels stay legible when the image is scaled up in a document. */
function options(): ResvgRenderOptions {
  pngOptions ??= {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { fontFiles: dejaVuFontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  };
  return pngOptions;
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, options()).render().asPng();
}

/**
 * The same on libuv's threadpool: rasterising (about half the render time) then overlaps with building
 * the next chart's SVG on the main thread.
 */
export async function svgToPngAsync(svg: string): Promise<Buffer> {
  return (await renderAsync(svg, options())).asPng();
}
