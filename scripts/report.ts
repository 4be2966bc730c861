/**
 * The reports folder: what the main job records in each executed notebook, and the index
 * page over every report in the folder.
 *
 *   <out>/<name>.ipynb          executed notebook (metadata.metarl.report: the stamp below)
 *   <out>/<name>.html           self-contained offline export
 *   <out>/<name>/chart-k.png|svg, thumbnail.png, screenshot.png (from the browser test)
 *   <out>/index.html            every report: title, figure, when and at which scale,
 *                               experiment runs (config hash, seeds), thumbnail
 *
 * The index is built from the folder itself, so a run with --only keeps the rows of the
 * reports it did not redo.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../lib/experiments/results';
import type { RunSummary } from '../lib/report/tables';
import { joinText, Notebook, readNotebook } from './ipynb';

/** What the main job records about a run in the executed notebook (metadata.metarl.report). */
export interface ReportStamp {
  /** When execution finished, ISO 8601 (UTC). */
  executed: string;
  /** Run size: "quick" or "paper". */
  scale: string;
  /** Seconds the execution took. */
  seconds: number;
  /** Whether every cell ran without error. */
  ok: boolean;
}

/** The notebook with `stamp` in metadata.metarl.report (a pure function). */
export function withReportStamp(nb: Notebook, stamp: ReportStamp): Notebook {
  return { ...nb, metadata: { ...nb.metadata, metarl: { ...(nb.metadata.metarl ?? {}), report: { ...stamp } } } };
}

function readStamp(nb: Notebook): ReportStamp | undefined {
  const s = nb.metadata.metarl?.report as Partial<ReportStamp> | undefined;
  if (!s || typeof s.executed !== 'string' || typeof s.scale !== 'string') return undefined;
  return { executed: s.executed, scale: s.scale, seconds: Number(s.seconds ?? NaN), ok: s.ok !== false };
}

/**
 * The line the main job puts at the top of each HTML report. Every part is escaped: a
 * notebook's file name may hold `<`, `&` or quotes.
 */
export function reportMetaHtml(name: string, stamp: ReportStamp): string {
  return `<div class="metarl-report-meta">metarl-lab report: ${escapeHtml(name)}, executed ${escapeHtml(stamp.executed)} at scale "${escapeHtml(stamp.scale)}"` +
    `${stamp.ok ? '' : ' (FAILED: see the failing cell)'}</div>`;
}

/** One row of the index. */
export interface ReportInfo {
  /** Notebook file name without .ipynb. */
  name: string;
  title: string;
  /** The figure the notebook reproduces (metadata.metarl.figure). */
  figure: string;
  /** Experiment runs shown in the notebook (`data-metarl-run`), one per experiment and config. */
  runs: RunSummary[];
  /** Number of charts. */
  charts: number;
  /** How the notebook was produced; undefined for a notebook the main job did not stamp. */
  stamp?: ReportStamp;
  /** Files in <out>/<name>/ (images), sorted by chart number. */
  images: string[];
}

function unescapeAttr(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Title, figure, runs, charts and stamp of an executed notebook in a reports folder. */
export function describeNotebook(file: string): ReportInfo {
  const nb = readNotebook(file);
  const name = path.basename(file, '.ipynb');
  const firstMd = nb.cells.find((c) => c.cell_type === 'markdown');
  const heading = joinText(firstMd?.source).split('\n').find((l) => l.startsWith('# '))?.slice(2).trim();
  const runs: RunSummary[] = [];
  const seen = new Set<string>();
  let charts = 0;
  nb.cells.forEach((c, ci) => {
    for (const o of c.outputs ?? []) {
      const html = joinText(o.data?.['text/html']);
      charts += (html.match(/class="metarl-plot"/g) ?? []).length;
      for (const m of html.matchAll(/data-metarl-run="([^"]*)"/g)) {
        let run: RunSummary;
        try {
          run = JSON.parse(unescapeAttr(m[1])) as RunSummary;
        } catch (e) {
          throw new Error(`${file}: cell ${ci + 1}: data-metarl-run is not JSON (${(e as Error).message})`);
        }
        const key = `${run.experiment}/${run.hash}`;
        if (!seen.has(key)) {
          seen.add(key);
          runs.push(run);
        }
      }
    }
  });
  const dir = path.join(path.dirname(file), name);
  const chartNo = (f: string) => Number(/^chart-(\d+)\./.exec(f)?.[1] ?? 0);
  const images = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(png|svg)$/.test(f)).sort((a, b) => chartNo(a) - chartNo(b) || a.localeCompare(b)) : [];
  const metarl = nb.metadata.metarl ?? {};
  return {
    name,
    title: nb.metadata.title ?? heading ?? name,
    figure: typeof metarl.figure === 'string' ? metarl.figure : '',
    runs,
    charts,
    stamp: readStamp(nb),
    images,
  };
}

/** Every executed notebook in a reports folder, by name; an unreadable one is skipped with a warning. */
export function listReports(outDir: string): ReportInfo[] {
  const reports: ReportInfo[] = [];
  for (const f of fs.readdirSync(outDir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort()) {
    try {
      reports.push(describeNotebook(path.join(outDir, f)));
    } catch (e) {
      console.error(`[index] left out ${f}: ${(e as Error).message}`);
    }
  }
  return reports;
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}

function href(...parts: string[]): string {
  return parts.map(encodeURIComponent).join('/');
}

function runHtml(r: RunSummary): string {
  const seeds = r.seeds.length;
  const cached = r.cached?.length ?? 0;
  return `<li>${escapeHtml(r.experiment)} · config <code>${escapeHtml(r.hash)}</code> · ${seeds} seed${seeds === 1 ? '' : 's'}` +
    `${cached > 0 ? ` (${cached} from data/)` : ''}${r.backend ? ` · ${escapeHtml(r.backend)}` : ''}</li>`;
}

/** The index page (a pure function of the rows). */
export function indexHtml(reports: readonly ReportInfo[], generated: Date): string {
  const rows = reports.map((r) => {
    const thumb = r.images.includes('thumbnail.png')
      ? `<a href="${href(`${r.name}.html`)}"><img class="thumb" src="${href(r.name, 'thumbnail.png')}" alt="first chart of ${escapeHtml(r.title)}" width="240"></a>`
      : `<div class="nothumb">${r.charts === 0 ? 'no charts' : 'no image'}</div>`;
    const s = r.stamp;
    const produced = s
      ? `${escapeHtml(when(s.executed))}<br>scale <b>${escapeHtml(s.scale)}</b> · ${Number.isFinite(s.seconds) ? `${Math.round(s.seconds)} s` : '?'} · ${r.charts} chart${r.charts === 1 ? '' : 's'}`
      : `not stamped by the main job · ${r.charts} charts`;
    const images = r.images.filter((f) => /^chart-\d+\.(png|svg)$/.test(f))
      .map((f) => `<a href="${href(r.name, f)}">${escapeHtml(f.replace(/^chart-(\d+)\.(\w+)$/, '$1 $2'))}</a>`).join(' · ');
    return `<tr class="${s && !s.ok ? 'failed' : 'ok'}" id="${escapeHtml(r.name)}">` +
      `<td>${thumb}</td>` +
      `<td><a class="title" href="${href(`${r.name}.html`)}">${escapeHtml(r.title)}</a>` +
      `<div class="fig">${escapeHtml(r.figure) || '<i>no metarl.figure in the notebook metadata</i>'}</div>` +
      `<div class="files"><a href="${href(`${r.name}.ipynb`)}">executed notebook</a>${images ? ` · images: ${images}` : ''}</div></td>` +
      `<td>${produced}${s && !s.ok ? '<br><b>FAILED</b>: see the failing cell' : ''}</td>` +
      `<td>${r.runs.length > 0 ? `<ul>${r.runs.map(runHtml).join('')}</ul>` : 'no experiment runs'}</td></tr>`;
  });
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>metarl-lab reports</title>
<style>
body { font: 14px/1.4 Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #ddd; padding: 8px 12px; vertical-align: top; text-align: left; }
tr.failed { background: #fee; } .title { font-weight: bold; } .fig { color: #555; max-width: 420px; } .files { font-size: 12px; margin-top: 4px; }
code { font-size: 12px; } ul { margin: 0; padding-left: 16px; } img.thumb { border: 1px solid #eee; display: block; }
.nothumb { width: 240px; color: #999; font-size: 12px; }
</style></head>
<body><h1>metarl-lab reports</h1>
<p>Each report is one self-contained HTML file: its charts are interactive and need no network. The executed notebooks
show the same charts as pictures where scripts do not run. Index written ${escapeHtml(when(generated.toISOString()))}.</p>
<table><thead><tr><th></th><th>report</th><th>produced</th><th>experiment runs</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}

/** Write <out>/index.html over every report in the folder; returns its rows. */
export function writeIndex(outDir: string, generated = new Date()): ReportInfo[] {
  const reports = listReports(outDir);
  writeFileAtomic(path.join(outDir, 'index.html'), indexHtml(reports, generated));
  return reports;
}
