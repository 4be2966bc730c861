/**
 * Executed notebooks as JSON (nbformat 4): just enough types to read their outputs and
 * write them back the way nbformat does (one-space indent, multi-line text as a list of
 * lines, a final newline), atomically.
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../lib/experiments/results';

/** One cell output. `data` maps a MIME type to its content (text may be a list of lines). */
export interface NotebookOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: NotebookOutput[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown> & { title?: string; metarl?: Record<string, unknown> };
  nbformat: number;
  nbformat_minor: number;
}

/** Text of a notebook string field (a string or a list of lines). */
export function joinText(s: unknown): string {
  if (Array.isArray(s)) return s.join('');
  return typeof s === 'string' ? s : '';
}

/** A text as nbformat stores it: a list of lines, each but the last ending in "\n". */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** Read a notebook; the error names the file and what was expected. */
export function readNotebook(file: string): Notebook {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the notebook (${(e as Error).message})`);
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(raw) as Notebook;
  } catch (e) {
    throw new Error(`${file}: expected notebook JSON (${(e as Error).message})`);
  }
  if (!nb || !Array.isArray(nb.cells) || typeof nb.metadata !== 'object' || nb.nbformat !== 4) {
    throw new Error(`${file}: expected an nbformat 4 notebook with "cells" and "metadata"`);
  }
  return nb;
}

/** Write a notebook atomically, formatted as nbformat writes it. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + '\n');
}
