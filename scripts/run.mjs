// Runs a compiled entry point from dist/ (`node scripts/run.mjs server.js [args]`), compiling
// src/ first when dist/ is missing or older than the sources, so that `npm install && npm start`
// works on a fresh clone. A deployment that builds once (`npm run build`) and ships without src/
// or TypeScript skips the check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = path.join(root, 'dist', '.built');
const entry = process.argv[2];
if (!entry) {
  console.error('Usage: node scripts/run.mjs <entry in dist/> [arguments], or node scripts/run.mjs --build');
  process.exit(2);
}
const buildOnly = entry === '--build';

function newestSource() {
  let newest = 0;
  const visit = (file) => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    else if (file.endsWith('.ts') || file.endsWith('.json')) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const name of ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) visit(file);
  }
  return newest;
}

function stale() {
  if (!fs.existsSync(stamp)) return true;
  if (!fs.existsSync(path.join(root, 'src'))) return false;
  return newestSource() > fs.statSync(stamp).mtimeMs;
}

if (buildOnly || stale()) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    console.error('dist/ is missing or older than src/, and TypeScript is not installed to build it. Run `npm install` and `npm run build`.');
    process.exit(1);
  }
  if (!buildOnly) console.error('Compiling src/ to dist/ (first start, or the sources have changed)…');
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const built = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (buildOnly) process.exit(0);

// The entry reads its own arguments from process.argv.slice(2), as it would when run directly.
process.argv.splice(2, 1);
await import(pathToFileURL(path.join(root, 'dist', entry)).href);
