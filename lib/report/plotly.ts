/**
 * Plotly figures as notebook output that renders everywhere, offline.
 *
 * A figure is plain data (`Figure`: Plotly traces, layout, config). `show(display, fig)`
 * turns it into one `text/html` output:
 *
 *   <div class="metarl-plot" id=... data-traces=N></div>
 *   <script> draw spec into the div as soon as window.Plotly exists </script>
 *
 * The first figure of a kernel session also carries plotly.js itself (minified from
 * `plotly.js-dist` at install time) inside a function scope that hides `define`, `module`
 * and `exports`, so the bundle sets `window.Plotly` even under classic Notebook's
 * require.js. No CDN is involved: the output renders in JupyterLab, classic Notebook and
 * nbconvert's HTML export without a network. nbconvert keeps `text/html` outputs (it
 * drops `application/vnd.plotly.v1+json`), which is why the output is HTML.
 *
 * The report step (scripts/images.ts) later finds every figure by its markers, renders it
 * to PNG and SVG in headless Chromium, and puts the PNG inside the div as a fallback for
 * viewers that strip scripts (GitHub). The drawing script removes that fallback before
 * plotting.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One Plotly trace, as plain data (see https://plotly.com/javascript/reference/). */
export type Trace = Record<string, unknown>;
/** Plotly layout, as plain data. */
export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
  /** Plotly animation frames (optional). */
  frames?: Record<string, unknown>[];
}

/** Anything with tslab's `display.html`. Pass tslab's `display` here; lib never imports tslab. */
export interface HtmlDisplay {
  html(s: string): void;
}

/** Where the minified plotly.js lives after `npm install` (built by scripts/build-assets.js). */
export const PLOTLY_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'plotly.min.js');

/** Markers around the JSON spec inside the output, for the report step. */
export const SPEC_START = '/*metarl-spec*/';
export const SPEC_END = '/*metarl-spec-end*/';

const HOUSE_LAYOUT: Layout = {
  font: { family: 'Helvetica Neue, Arial, sans-serif', size: 13 },
  margin: { l: 60, r: 20, t: 50, b: 50 },
  hovermode: 'closest',
  template: { layout: { colorway: ['#1f77b4', '#d62728', '#e6ab02', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'] } },
};
const HOUSE_CONFIG = { responsive: true, displaylogo: false };

let session = `${process.pid.toString(36)}${Date.now().toString(36)}`;
let counter = 0;
let libraryEmbedded = false;

/** Forget that plotly.js was embedded (the next figure embeds it again). For tests and new notebooks. */
export function resetPlotlySession(): void {
  libraryEmbedded = false;
  counter = 0;
  session = `${process.pid.toString(36)}${Date.now().toString(36)}`;
}

/** JSON for embedding in a <script>: typed arrays become arrays, numbers keep 6 digits, '<' is escaped. */
export function specJson(fig: Figure): string {
  const json = JSON.stringify(fig, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => roundNum(x));
    if (typeof v === 'number') return roundNum(v);
    return v;
  });
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function roundNum(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  return Number.isInteger(x) ? x : Number(x.toPrecision(6));
}

/** The figure with the house layout and config merged under its own. */
export function withHouseStyle(fig: Figure): Figure {
  return {
    ...fig,
    layout: { ...HOUSE_LAYOUT, ...(fig.layout ?? {}) },
    config: { ...HOUSE_CONFIG, ...(fig.config ?? {}) },
  };
}

/** The <script> that defines window.Plotly from the embedded bundle. */
export function plotlyLibraryHtml(): string {
  let bundle: string;
  try {
    bundle = fs.readFileSync(PLOTLY_BUNDLE, 'utf8');
  } catch {
    throw new Error(`plotly bundle not found at ${PLOTLY_BUNDLE}: run "npm install" (it builds dist/assets/plotly.min.js)`);
  }
  return '<script type="text/javascript">(function(){var define, module, exports;\n' +
    bundle.replace(/<\/script/gi, '<\\/script') +
    '\n}).call(window);\n(window.__metarlPlotlyQueue||[]).splice(0).forEach(function(f){f();});</script>';
}

/**
 * The HTML of one figure output.
 * @param id DOM id of the plot div
 * @param withLibrary prepend the plotly.js bundle
 */
export function figureHtml(fig: Figure, id: string, withLibrary: boolean): string {
  const styled = withHouseStyle(fig);
  const height = typeof styled.layout?.height === 'number' ? styled.layout.height : 450;
  const div = `<div class="metarl-plot" id="${id}" data-traces="${fig.data.length}" style="width:100%;min-height:${height}px"></div>`;
  const script = `<script type="text/javascript">(function(){var spec=${SPEC_START}${specJson(styled)}${SPEC_END};` +
    `function draw(){var el=document.getElementById(${JSON.stringify(id)});if(!el)return;el.innerHTML='';` +
    `window.Plotly.newPlot(el,spec.data,spec.layout,spec.config).then(function(gd){if(spec.frames){window.Plotly.addFrames(gd,spec.frames);}});}` +
    `if(window.Plotly){draw();}else{(window.__metarlPlotlyQueue=window.__metarlPlotlyQueue||[]).push(draw);}})();</script>`;
  return (withLibrary ? plotlyLibraryHtml() : '') + div + script;
}

/** Display a figure in a notebook (tslab: `show(display, fig)`). Embeds plotly.js on first use. */
export function show(display: HtmlDisplay, fig: Figure): void {
  if (!fig || !Array.isArray(fig.data)) throw new TypeError('show: expected a figure {data: [...], layout?: {...}}');
  counter += 1;
  const id = `metarl-plot-${session}-${counter}`;
  display.html(figureHtml(fig, id, !libraryEmbedded));
  libraryEmbedded = true;
}
