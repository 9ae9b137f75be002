// Builds the console into dist/www: one bundled, minified, content-hashed script and stylesheet under
// assets/, and index.html naming them. No CDN, nothing fetched at run time: the ingress serves these files.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist', 'www');
const assets = path.join(out, 'assets');

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: { app: path.join(here, 'src', 'main.tsx'), styles: path.join(here, 'src', 'styles.css') },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((name) => /^app-.*\.js$/.test(name));
const style = outputs.find((name) => /^styles-.*\.css$/.test(name));
if (!script || !style) throw new Error(`console build: missing outputs in ${outputs.join(', ')}`);

const icon = readFileSync(path.join(here, 'src', 'icon.svg'));
const iconName = `icon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
copyFileSync(path.join(here, 'src', 'icon.svg'), path.join(assets, iconName));

const html = readFileSync(path.join(here, 'src', 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/console/assets/${script}`)
  .replace('%STYLE%', `/console/assets/${style}`)
  .replace('%ICON%', `/console/assets/${iconName}`);
writeFileSync(path.join(out, 'index.html'), html);
process.stdout.write(`console built: dist/www/index.html, assets/${script}, assets/${style}\n`);
