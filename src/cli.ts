import { ConfigError, loadConfig } from './config/load-config';
import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';
import { hashPassword } from './auth/password-hash';
import { createLogger } from './logger';
import type { Family, FamilyDeps } from './families/family';
import { startDaemon } from './daemon';

const USAGE = `usage: bosun <command> [--config FILE]

commands:
  start           run the daemon (HTTPS API and task runner)
  migrate         bring the database schema up to date and exit
  hash-password   read a password on stdin and print its hash for the users list`;

function parseArgs(argv: string[]): { command: string; configFile?: string } {
  let command = '';
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') configFile = argv[++i];
    else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') command = 'help';
    else if (!command) command = a;
    else throw new Error(`unexpected argument: ${a}`);
  }
  return { command: command || 'help', configFile };
}

async function main(argv: string[], families: Array<(deps: FamilyDeps) => Family>): Promise<number> {
  const { command, configFile } = parseArgs(argv);
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'hash-password') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!password) throw new Error('no password on stdin');
    process.stdout.write(`${hashPassword(password)}\n`);
    return 0;
  }
  if (command !== 'start' && command !== 'migrate') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig({ file: configFile });
  const log = createLogger(config.log_level);
  const announce = (m: string) => process.stderr.write(`bosun: ${m}\n`);

  if (command === 'migrate') {
    const db = await openDatabase({ url: config.database.url, dataDir: config.data_dir, poolSize: 2, log });
    try {
      const applied = await migrateToLatest(db.knex);
      announce(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
    } finally {
      await db.close();
    }
    return 0;
  }

  const daemon = await startDaemon(config, log, { announce, families });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'stopping: no new tasks are claimed; running tasks may finish');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      daemon.stop().then(resolve, (err) => {
        log.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  log.info('stopped');
  log.flush();
  return 0;
}

/** The bosun command line (bin/bosun): parses `argv`, runs the command, sets the exit code. */
export function runCli(argv: string[], families: Array<(deps: FamilyDeps) => Family>): void {
  main(argv, families).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`bosun: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`bosun: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
