/**
 * The reports folder: an index page over the executed notebooks and their HTML exports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../lib/results';
import type { RunSummary } from '../lib/tables';

export interface ReportEntry {
  /** Notebook file name without .ipynb. */
  name: string;
  ok: boolean;
  seconds: number;
}

interface NotebookJson {
  metadata?: { title?: string; metarl?: { figure?: string } };
  cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, string | string[]> }[] }[];
}

function text(s: string | string[] | undefined): string {
  return Array.isArray(s) ? s.join('') : s ?? '';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Title, figure and experiment runs recorded in an executed notebook. */
export function describeNotebook(file: string): { title: string; figure: string; runs: RunSummary[]; charts: number } {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as NotebookJson;
  const firstMd = nb.cells.find((c) => c.cell_type === 'markdown');
  const heading = text(firstMd?.source).split('\n').find((l) => l.startsWith('# '))?.slice(2).trim();
  const runs: RunSummary[] = [];
  let charts = 0;
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      const html = text(o.data?.['text/html']);
      charts += (html.match(/class="metarl-plot"/g) ?? []).length;
      for (const m of html.matchAll(/data-metarl-run="([^"]*)"/g)) {
        const json = m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
        runs.push(JSON.parse(json) as RunSummary);
      }
    }
  }
  return { title: nb.metadata?.title ?? heading ?? path.basename(file, '.ipynb'), figure: nb.metadata?.metarl?.figure ?? '', runs, charts };
}

/** Write reports/index.html listing every report. */
export function writeIndex(outDir: string, entries: readonly ReportEntry[], scale: string): void {
  const rows = entries.map((e) => {
    const nbFile = path.join(outDir, `${e.name}.ipynb`);
    const d = fs.existsSync(nbFile) ? describeNotebook(nbFile) : { title: e.name, figure: '', runs: [], charts: 0 };
    const when = fs.existsSync(nbFile) ? fs.statSync(nbFile).mtime.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '';
    const runs = d.runs.map((r) => `${escapeHtml(r.experiment)} · config <code>${escapeHtml(r.hash)}</code> · ${r.seeds.length} seeds`).join('<br>') || 'no experiment runs';
    const thumb = fs.existsSync(path.join(outDir, e.name, 'thumbnail.png'))
      ? `<img src="${encodeURI(`${e.name}/thumbnail.png`)}" alt="first chart of ${escapeHtml(d.title)}" width="240">` : '';
    return `<tr class="${e.ok ? 'ok' : 'failed'}"><td>${thumb}</td><td><a href="${encodeURI(`${e.name}.html`)}">${escapeHtml(d.title)}</a>` +
      `<div class="fig">${escapeHtml(d.figure)}</div><div class="files"><a href="${encodeURI(`${e.name}.ipynb`)}">executed notebook</a></div></td>` +
      `<td>${when}<br>scale ${escapeHtml(scale)} · ${e.seconds.toFixed(0)} s · ${d.charts} charts${e.ok ? '' : '<br><b>FAILED</b>'}</td><td>${runs}</td></tr>`;
  });
  const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>metarl-lab reports</title>
<style>
body { font: 14px/1.4 Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #ddd; padding: 8px 12px; vertical-align: top; text-align: left; }
tr.failed { background: #fee; } .fig { color: #555; } .files { font-size: 12px; } code { font-size: 12px; }
</style></head>
<body><h1>metarl-lab reports</h1>
<p>Each report is a self-contained HTML file: charts are interactive and need no network.</p>
<table><thead><tr><th></th><th>notebook</th><th>produced</th><th>experiment runs</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
  writeFileAtomic(path.join(outDir, 'index.html'), html);
}
