/**
 * Static images of every chart in an executed notebook, and the picture fallbacks that
 * make the notebook show its charts where scripts are stripped (GitHub's viewer).
 *
 * A chart is a `text/html` output written by lib/plotly.ts: a `<div class="metarl-plot">`
 * and a script holding the figure between the markers SPEC_START and SPEC_END. For each
 * chart k (numbered 1, 2, ... in output order) the main job
 *
 *   1. renders the figure spec in headless Chromium with plotly.js from
 *      dist/assets/plotly.min.js (no network): `Plotly.toImage(figure, {format: 'svg'})`
 *      once, then rasterizes that SVG in a canvas at the scales it needs. This is what
 *      Plotly.toImage's PNG path does itself (byte-identical, checked by the browser
 *      test), with one layout pass per chart instead of one per image;
 *   2. writes <report>/<name>/chart-k.svg, chart-k.png (2x, for slides and papers) and,
 *      from chart 1, thumbnail.png (480 px wide) for the index;
 *   3. puts the 1x PNG inside the chart's div as an `<img>` (drawing the chart clears the
 *      div, so the picture shows only where the script does not run) and adds it as an
 *      `image/png` entry to the same output (see environment.md, "Charts", for why).
 *
 * Sizes: the figure's layout.width and layout.height when set, else 900 x 450 px (the
 * notebook's chart is 100% of the output width; 900 px is a typical JupyterLab output).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PLOTLY_BUNDLE, SPEC_END, SPEC_START, Figure } from '../lib/report/plotly';
import { removeDeadTemps, writeFileAtomic } from '../lib/experiments/results';
import { launchChromium } from './browser';
import { joinText, Notebook, NotebookOutput, splitLines } from './ipynb';

/** Width and height of a chart without layout.width / layout.height, in CSS px. */
export const DEFAULT_SIZE = { width: 900, height: 450 };
/** Scale of chart-k.png (2 = crisp on high-density screens and in print). */
export const FILE_SCALE = 2;
/** Scale of the PNG embedded in the notebook (1 keeps the notebook small). */
export const FALLBACK_SCALE = 1;
/** Width of thumbnail.png in px (the index shows it at half that width). */
export const THUMBNAIL_WIDTH = 480;
/** Longest time one chart may take to render. */
const RENDER_TIMEOUT_MS = 60_000;

/** One chart found in an executed notebook. */
export interface Chart {
  /** 1-based number in output order: the k of chart-k.png. */
  k: number;
  /** Cell and output index (0-based) of the output holding the chart. */
  cell: number;
  output: number;
  /** DOM id of the chart's div. */
  id: string;
  /** The div's data-traces attribute: how many traces the chart must draw. */
  traces: number;
  /** The figure spec exactly as the output's script draws it. */
  figure: Figure;
  /** Plain-text title (empty when the figure has none). */
  title: string;
  /** Image size in CSS px. */
  width: number;
  height: number;
}

/** The images of one chart. */
export interface ChartImages {
  svg: string;
  /** PNG at FILE_SCALE. */
  png: Buffer;
  /** PNG at FALLBACK_SCALE, embedded in the notebook. */
  fallback: Buffer;
  /** PNG THUMBNAIL_WIDTH px wide (chart 1 only). */
  thumbnail?: Buffer;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function plainTitle(layout: Record<string, unknown> | undefined): string {
  const t = layout?.title;
  const text = typeof t === 'string' ? t : t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? (t as { text: string }).text : '';
  return text.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

function htmlOf(o: NotebookOutput): string {
  return joinText(o.data?.['text/html']);
}

/** The div of chart `id` in `html`: [whole match, opening tag, inner html]. */
function chartDivRegExp(id: string): RegExp {
  return new RegExp(`(<div class="metarl-plot" id="${escapeRegExp(id)}"[^>]*>)([\\s\\S]*?)</div>`);
}

/**
 * Every chart of a notebook, in output order.
 * @param where the notebook's file name, for error messages
 */
export function findCharts(nb: Notebook, where: string): Chart[] {
  const charts: Chart[] = [];
  nb.cells.forEach((cell, c) => {
    (cell.outputs ?? []).forEach((o, j) => {
      const html = htmlOf(o);
      const at = `${where}: cell ${c + 1}, output ${j + 1}`;
      let from = 0;
      for (;;) {
        const start = html.indexOf(SPEC_START, from);
        if (start < 0) break;
        const end = html.indexOf(SPEC_END, start);
        if (end < 0) throw new Error(`${at}: a chart spec opens with ${SPEC_START} but has no ${SPEC_END}`);
        let figure: Figure;
        try {
          figure = JSON.parse(html.slice(start + SPEC_START.length, end)) as Figure;
        } catch (e) {
          throw new Error(`${at}: the chart spec between ${SPEC_START} and ${SPEC_END} is not JSON (${(e as Error).message})`);
        }
        if (!figure || !Array.isArray(figure.data)) throw new Error(`${at}: expected the chart spec to be a figure {data: [...], layout}`);
        const idMatch = /getElementById\(("(?:[^"\\]|\\.)*")\)/.exec(html.slice(end, end + 1000));
        if (!idMatch) throw new Error(`${at}: the chart script has no getElementById("...") after its spec`);
        const id = JSON.parse(idMatch[1]) as string;
        const div = chartDivRegExp(id).exec(html);
        if (!div) throw new Error(`${at}: no <div class="metarl-plot" id="${id}"> for the chart spec`);
        const traces = /data-traces="(\d+)"/.exec(div[1]);
        if (!traces) throw new Error(`${at}: chart div ${id} has no data-traces attribute`);
        const layout = figure.layout ?? {};
        charts.push({
          k: charts.length + 1,
          cell: c,
          output: j,
          id,
          traces: Number(traces[1]),
          figure,
          title: plainTitle(layout),
          width: typeof layout.width === 'number' ? layout.width : DEFAULT_SIZE.width,
          height: typeof layout.height === 'number' ? layout.height : DEFAULT_SIZE.height,
        });
        from = end + SPEC_END.length;
      }
    });
  });
  return charts;
}

/** The fallback picture put inside a chart's div. */
export function fallbackImgHtml(chart: Chart, png: Buffer): string {
  const alt = chart.title ? `chart ${chart.k}: ${chart.title}` : `chart ${chart.k}`;
  return `<img class="metarl-plot-fallback" src="data:image/png;base64,${png.toString('base64')}" alt="${escapeHtml(alt)}" ` +
    `width="${chart.width}" height="${chart.height}" style="max-width:100%;height:auto">`;
}

/**
 * The notebook with picture fallbacks (a pure function; `nb` is not changed).
 * Each chart's div gets its 1x PNG as an `<img>` (replacing an earlier one, so running it
 * twice changes nothing more); an output holding exactly one chart also gets that PNG
 * as its `image/png` entry, sized by output metadata. The drawing script is untouched.
 * @param images images[i] belongs to charts[i]
 */
export function withFallbacks(nb: Notebook, charts: readonly Chart[], images: readonly Pick<ChartImages, 'fallback'>[]): Notebook {
  if (images.length !== charts.length) throw new Error(`withFallbacks: ${charts.length} charts but ${images.length} images`);
  const out = structuredClone(nb);
  const byOutput = new Map<string, number[]>();
  charts.forEach((ch, i) => {
    const key = `${ch.cell}/${ch.output}`;
    byOutput.set(key, [...(byOutput.get(key) ?? []), i]);
  });
  for (const [key, idx] of byOutput) {
    const [c, j] = key.split('/').map(Number);
    const o = out.cells[c]?.outputs?.[j];
    if (!o || !o.data) throw new Error(`withFallbacks: chart ${charts[idx[0]].k} points at cell ${c + 1}, output ${j + 1}, which has no data`);
    let html = htmlOf(o);
    for (const i of idx) {
      const re = chartDivRegExp(charts[i].id);
      if (!re.test(html)) throw new Error(`withFallbacks: cell ${c + 1}, output ${j + 1} has no div for chart ${charts[i].k} (${charts[i].id})`);
      html = html.replace(re, (_m, open: string) => `${open}${fallbackImgHtml(charts[i], images[i].fallback)}</div>`);
    }
    const data: Record<string, unknown> = { ...o.data, 'text/html': splitLines(html) };
    const metadata: Record<string, unknown> = { ...(o.metadata ?? {}) };
    if (idx.length === 1) {
      const ch = charts[idx[0]];
      data['image/png'] = images[idx[0]].fallback.toString('base64');
      metadata['image/png'] = { width: ch.width, height: ch.height };
    }
    // nbformat writes MIME types sorted; keep that order so files diff cleanly.
    o.data = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]]));
    o.metadata = metadata;
  }
  return out;
}

// ---- In the page (runs inside Chromium; tsconfig has no DOM types, hence `any`) ----
declare const window: any, document: any, Image: any;

interface RenderArgs {
  figure: Figure;
  width: number;
  height: number;
  /** One PNG per scale. */
  scales: number[];
}

/**
 * In the page: Plotly's SVG of the figure, rasterized once per scale exactly as
 * Plotly.toImage does for PNG (SVG as an image, drawn onto a canvas of size x scale).
 * Returns the SVG text and PNG data URLs.
 */
export async function renderInPage(args: RenderArgs): Promise<{ svg: string; pngs: string[] }> {
  const { figure, width, height, scales } = args;
  const fig = { data: figure.data, layout: figure.layout, config: figure.config };
  const svg: string = await window.Plotly.toImage(fig, { format: 'svg', width, height, imageDataOnly: true });
  const img = new Image();
  img.src = 'data:image/svg+xml,' + encodeURIComponent(svg);
  await img.decode();
  const pngs = scales.map((s) => {
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * s);
    canvas.height = Math.round(height * s);
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png') as string;
  });
  return { svg, pngs };
}

function pngFromDataUrl(url: string, what: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!url.startsWith(prefix)) throw new Error(`${what}: expected a PNG data URL from the canvas, got ${JSON.stringify(url.slice(0, 40))}`);
  const png = Buffer.from(url.slice(prefix.length), 'base64');
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) throw new Error(`${what}: the canvas did not return a PNG`);
  return png;
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * Headless Chromium with plotly.js loaded in one blank page, offline (every request the
 * page would make is aborted and counted). Renders all charts of a notebook in one
 * browser session.
 */
export class ChartRenderer {
  /** URLs the renderer page tried to fetch (and was refused). */
  readonly blocked: string[] = [];

  private constructor(private readonly browser: Browser, private readonly page: Page) {}

  /** Launch Chromium and load plotly.js (about 3 s; start it early). */
  static async open(executablePath?: string): Promise<ChartRenderer> {
    if (!fs.existsSync(PLOTLY_BUNDLE)) throw new Error(`plotly bundle not found at ${PLOTLY_BUNDLE}: run "npm install" (it builds dist/assets/plotly.min.js)`);
    const browser = await launchChromium(executablePath);
    try {
      const page = await browser.newPage();
      const renderer = new ChartRenderer(browser, page);
      await page.route('**/*', (route) => {
        renderer.blocked.push(route.request().url());
        return route.abort();
      });
      await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
      await page.addScriptTag({ path: PLOTLY_BUNDLE });
      const version = await page.evaluate(() => (window.Plotly ? String(window.Plotly.version) : ''));
      if (!version) throw new Error(`${PLOTLY_BUNDLE} did not define window.Plotly`);
      return renderer;
    } catch (e) {
      await browser.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * SVG, PNGs and (with `thumbnail`) a thumbnail of one chart.
   * @param where notebook name, for error messages
   */
  async render(chart: Chart, where: string, thumbnail = false): Promise<ChartImages> {
    const what = `${where}: chart ${chart.k}${chart.title ? ` ("${chart.title}")` : ''}`;
    const scales = [FILE_SCALE, FALLBACK_SCALE];
    if (thumbnail) scales.push(THUMBNAIL_WIDTH / chart.width);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: rendering took longer than ${RENDER_TIMEOUT_MS / 1000}s`)), RENDER_TIMEOUT_MS);
    });
    let r: { svg: string; pngs: string[] };
    try {
      r = await Promise.race([this.page.evaluate(renderInPage, { figure: chart.figure, width: chart.width, height: chart.height, scales }), timeout]);
    } catch (e) {
      const m = (e as Error).message.split('\n')[0];
      throw new Error(m.startsWith(what) ? m : `${what}: Plotly could not render it in Chromium: ${m}`);
    } finally {
      clearTimeout(timer);
    }
    if (!r.svg.startsWith('<svg')) throw new Error(`${what}: Plotly.toImage returned no SVG`);
    return {
      svg: r.svg,
      png: pngFromDataUrl(r.pngs[0], what),
      fallback: pngFromDataUrl(r.pngs[1], what),
      thumbnail: thumbnail ? pngFromDataUrl(r.pngs[2], what) : undefined,
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** Image files of earlier runs in a report's image folder (they would be stale). */
const OWN_FILE = /^(chart-\d+\.(png|svg)|thumbnail\.png|screenshot\.png)$/;

/**
 * Write chart-k.png, chart-k.svg and thumbnail.png into `dir` (atomically), after
 * removing image files of an earlier run and temporary files of killed writers.
 * Returns the file names written.
 */
export function writeChartFiles(dir: string, charts: readonly Chart[], images: readonly ChartImages[]): string[] {
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (OWN_FILE.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  removeDeadTemps(dir);
  const written: string[] = [];
  charts.forEach((ch, i) => {
    writeFileAtomic(path.join(dir, `chart-${ch.k}.png`), images[i].png);
    writeFileAtomic(path.join(dir, `chart-${ch.k}.svg`), images[i].svg);
    written.push(`chart-${ch.k}.png`, `chart-${ch.k}.svg`);
  });
  const thumb = images[0]?.thumbnail;
  if (thumb) {
    writeFileAtomic(path.join(dir, 'thumbnail.png'), thumb);
    written.push('thumbnail.png');
  }
  return written;
}

/**
 * Render every chart of `nb` (one renderer, i.e. one browser session), write the image
 * files into `dir`, and return the notebook with fallbacks. Prints one line per chart.
 * @param label notebook name, for progress lines and errors
 */
export async function renderNotebookCharts(renderer: ChartRenderer, nb: Notebook, dir: string, label: string): Promise<{ notebook: Notebook; charts: Chart[] }> {
  const charts = findCharts(nb, label);
  const images: ChartImages[] = [];
  for (const ch of charts) {
    const t0 = Date.now();
    images.push(await renderer.render(ch, label, ch.k === 1));
    console.log(`[${label}] image ${ch.k}/${charts.length}: ${ch.title ? `"${ch.title.slice(0, 60)}" ` : ''}${ch.width}x${ch.height} px ` +
      `-> chart-${ch.k}.svg, chart-${ch.k}.png (${Date.now() - t0} ms)`);
  }
  if (renderer.blocked.length > 0) throw new Error(`${label}: the charts asked for network resources, which reports must not need: ${renderer.blocked.slice(0, 5).join(', ')}`);
  writeChartFiles(dir, charts, images);
  return { notebook: withFallbacks(nb, charts, images), charts };
}
