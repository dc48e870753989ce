// Runs a TypeScript entry (`node scripts/run-ts.mjs <entry.ts> [arguments]`) with tsx registered in
// this thread alone. Started as `node --import tsx`, every worker thread the entry starts would
// take tsx's loader too (workers inherit the process's options), and resolve and compile each of
// its modules through it: the bench's server runs the compiled app, and its workers should run as
// they do under `npm start`, with no loader.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const [entry] = process.argv.splice(2, 1);
if (!entry) throw new Error('usage: node scripts/run-ts.mjs <entry.ts> [arguments]');
await import(pathToFileURL(path.resolve(entry)).href);
