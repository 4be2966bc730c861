#!/usr/bin/env node
// Builds dist/assets/plotly.min.js: plotly.js from `plotly.js-dist`, minified with esbuild,
// license comments kept. Runs on `npm install` (the "prepare" script); skips the work when
// the bundle for the installed plotly.js version is already there.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'dist', 'assets');
const out = path.join(outDir, 'plotly.min.js');
const stamp = path.join(outDir, 'plotly.version');
const pkg = require('plotly.js-dist/package.json');
const src = require.resolve('plotly.js-dist/plotly.js');

if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === pkg.version) {
  process.exit(0);
}
fs.mkdirSync(outDir, { recursive: true });
const t0 = Date.now();
const { code } = require('esbuild').transformSync(fs.readFileSync(src, 'utf8'), { minify: true, legalComments: 'eof' });
const tmp = `${out}.${process.pid}.tmp`;
fs.writeFileSync(tmp, code);
fs.renameSync(tmp, out);
fs.writeFileSync(stamp, pkg.version);
console.log(`build-assets: plotly.js ${pkg.version} minified to ${(code.length / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);
