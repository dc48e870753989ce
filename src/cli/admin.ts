import { systemClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/connection.js';
import { runAdminCommand } from './admin-commands.js';

/** Reads one line from standard input; at a terminal, without echoing what is typed. */
function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve) => {
      let data = '';
      stdin.setEncoding('utf8');
      stdin.on('data', (chunk: string) => (data += chunk));
      stdin.on('end', () => resolve(data.split(/\r?\n/)[0] ?? ''));
    });
  }
  process.stderr.write('Password: ');
  return new Promise((resolve) => {
    let typed = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(typed);
        }
        if (ch === '\u0003') process.exit(130);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

try {
  const config = loadConfig();
  const db = openDatabase(config.databasePath);
  const code = await runAdminCommand(db, process.argv.slice(2), {
    hashCost: config.passwordHashCost,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    readPassword,
    now: () => systemClock.now(),
    standardsUrl: config.standardsUrl,
  });
  db.$client.close();
  process.exitCode = code;
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
