/**
 * The `audex` command line: `start`, `migrate`, `token create`, `partner-sim`. Flags map onto
 * config paths; `loadConfig` merges them over defaults, file and environment and validates all.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { AudexError } from '../errors/registry.js';
import { startCommand } from './start-command.js';

type Flags = Record<string, unknown>;

function configFrom(flags: Flags) {
  return loadConfig({
    ...(typeof flags['config'] === 'string' ? { file: flags['config'] } : {}),
    env: process.env,
    flags: {
      port: flags['port'],
      host: flags['host'],
      dataDir: flags['dataDir'],
      storage: flags['storage'],
      logLevel: flags['logLevel'],
      workers: flags['workers'],
      // commander sets demo=true by default; only an explicit --no-demo overrides env/file.
      demo: flags['demo'] === false ? false : undefined,
    },
  });
}

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (also AUDEX_CONFIG)')
    .option('--data-dir <dir>', 'data directory (AUDEX_DATA_DIR, default ./data)')
    .addOption(
      new Option('--storage <kind>', 'storage backend (AUDEX_STORAGE)').choices(['sqlite', 'memory']),
    );
}

export function buildCli(): Command {
  const program = new Command('audex')
    .description('Audex real-time audience data server')
    .showHelpAfterError();
  common(program.command('start').description('start the DCS, admin API and demo'))
    .option('--port <port>', 'port (AUDEX_PORT, default 8080)')
    .option('--host <host>', 'interface (AUDEX_HOST, default 127.0.0.1)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (AUDEX_LOG_LEVEL)')
    .option('--workers <n>', 'processes sharing the port (AUDEX_WORKERS, default 1)')
    .option('--no-demo', 'do not seed the demo workspace')
    .action(async (flags: Flags) => startCommand(configFrom(flags)));
  common(program.command('migrate').description('create or upgrade the SQLite schema and exit')).action(
    async (flags: Flags) => {
      const config = configFrom(flags);
      const { migrateSqlite } = await import('../storage/sqlite/sqlite-stores.js');
      await migrateSqlite(config.dataDir);
      console.log(`migrated ${config.dataDir}`);
    },
  );
  const token = program.command('token').description('admin API tokens');
  common(token.command('create').description('create a token and print it once'))
    .requiredOption('--name <name>', 'label')
    .addOption(new Option('--role <role>', 'role').choices(['admin', 'editor', 'viewer']).default('admin'))
    .action(async (flags: Flags) => {
      const config = configFrom(flags);
      const { createTokenCommand } = await import('./token-command.js');
      console.log(await createTokenCommand(config, String(flags['name']), flags['role'] as 'admin'));
    });
  program
    .command('partner-sim')
    .description('run the reference data-provider server (docs/partner-protocol.md)')
    .option('--port <port>', 'port (0 = random)', '9090')
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--segments <codes>', 'fixed answer, comma-separated codes')
    .option('--latency <ms>', 'fixed latency')
    .option('--jitter <ms>', 'long-tailed extra latency')
    .option('--error-rate <p>', 'share of 500 answers, 0..1')
    .option('--fault <kind>', 'hang|reset|500|garbage|huge|trickle|redirect')
    .option('--fault-rate <p>', 'share of segment calls that get the fault, 0..1 (default 1)')
    .option('--secret <secret>', 'verify X-Audex-Signature with this secret (two: s1,s2)')
    .option('--signature-window <ms>', 'accepted signature age')
    .option('--ttl <seconds>', 'ttl in answers')
    .option('--seed <n>', 'seed for latency, error and fault draws')
    .option('--cookie-name <name>', "the provider's own uid cookie")
    .action(async (flags: Flags) => {
      const { runPartnerSimCommand } = await import('./partner-sim-command.js');
      await runPartnerSimCommand(flags);
    });
  return program;
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof AudexError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
