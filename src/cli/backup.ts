import readline from 'node:readline/promises';
import { ConfigError, loadConfig } from '../config.js';
import { runBackupCommand } from './backup-commands.js';

/** `npm run backup -- FILE` and `npm run restore -- FILE [--yes]` (backup-commands.ts). */
async function main(): Promise<void> {
  const { databasePath, filesPath } = loadConfig();
  const terminal = process.stdin.isTTY
    ? readline.createInterface({ input: process.stdin, output: process.stdout })
    : null;
  try {
    process.exitCode = await runBackupCommand({ databasePath, filesPath }, process.argv.slice(2), {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      ask: terminal ? (question) => terminal.question(question) : null,
      now: () => new Date(),
    });
  } finally {
    terminal?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
