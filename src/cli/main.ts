#!/usr/bin/env node
/**
 * `understudy` command line. `serve` flags are generated from the config schema; a config file
 * (`--config`) supplies the same fields, and flags win over the file.
 */
import { Command, Option } from 'commander';
import { configFields, type ConfigField } from '../config/fields.js';
import { readConfigFile } from '../config/file.js';
import { resolveConfig } from '../config/schema.js';
import { createLogger } from '../log.js';
import { SimError, simErrorCode } from '../sim-error.js';
import { startServer, type RunningServer } from '../workers/supervisor.js';

/** A decimal literal, as a user types one (`8787`, `0.5`, `1e3`): `Number()` alone also reads `0x10`, `0b1` and whitespace. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Turns a flag's text into the value its field takes. The schema checks ranges and rules; a text
 * that is no value of the field's type at all is refused here, as SIM_ERR_CONFIG_INVALID naming
 * the option and the field, the code every other bad value gets.
 */
function parserFor(field: ConfigField, option: string): ((value: string) => unknown) | undefined {
  const refuse = (value: string, rule: string): never => {
    throw new SimError('SIM_ERR_CONFIG_INVALID', `option '${option}' argument '${value}' is invalid: ${field.key} ${rule}`);
  };
  switch (field.kind) {
    case 'integer':
    case 'number':
      return (value) => (DECIMAL.test(value.trim()) ? Number(value) : refuse(value, 'must be a decimal number'));
    case 'enum':
      return (value) => (field.choices.includes(value) ? value : refuse(value, `must be one of ${field.choices.join(', ')}`));
    case 'string-list':
      // An empty key is refused rather than dropped: `--api-keys "$KEY"` with KEY unset would
      // otherwise name no key, and accept every key.
      return (value) => {
        const list = value.split(',').map((s) => s.trim());
        return list.includes('') ? refuse(value, 'must list non-empty values separated by commas') : list;
      };
    default:
      return undefined;
  }
}

function buildProgram(): Command {
  const program = new Command('understudy')
    .description('llm-understudy: a stand-in for the OpenAI, Anthropic and Gemini APIs, serving prerecorded responses at realistic timing.')
    .showHelpAfterError();
  const serve = program
    .command('serve')
    .description('Start the simulator (the default corpus unless --corpus is given).')
    .option('--config <file>', 'Config file (JSON, or YAML) with the same fields as the flags; flags win.');
  for (const field of configFields()) {
    const value = field.kind === 'boolean' ? '' : field.kind === 'string-list' ? ' <list>' : ` <${field.kind === 'enum' ? 'mode' : field.kind}>`;
    // A `--no-…` switch turns off a field that is on by default: "(default: true)" beside the
    // switch read as if the switch itself were on, i.e. the field off.
    const negated = field.kind === 'boolean' && field.flag.startsWith('--no-');
    const shown = negated ? ' (default: on; this flag turns it off)' : field.defaultText === '' ? '' : ` (default: ${field.defaultText})`;
    const note = (field.kind === 'string-list' ? ' Comma-separated.' : '') + shown;
    const option = new Option(`${field.flag}${value}`, field.description + note);
    // choices() for the help's list; its check is replaced by parserFor's, which carries a code.
    if (field.kind === 'enum') option.choices(field.choices);
    const parse = parserFor(field, `${field.flag}${value}`);
    if (parse) option.argParser(parse);
    serve.addOption(option);
  }
  // `serve` is the only command, so the top-level help lists its flags too.
  program.addHelpText('after', () => `\n${serve.helpInformation()}`);
  serve.action(async (flags: Record<string, unknown>) => {
    const { config: file, ...given } = flags;
    const fromFile = typeof file === 'string' ? readConfigFile(file) : {};
    // Only flags actually given override the file (commander fills defaults for `--no-…` switches).
    const cleaned = Object.fromEntries(Object.entries(given).filter(([k, v]) => v !== undefined && serve.getOptionValueSource(k) === 'cli'));
    const config = resolveConfig({ ...fromFile, ...cleaned });
    const log = createLogger(config.logLevel);
    // The handlers go in before the server starts: a signal during start-up (threads loading the
    // corpus) or right after the listening line (a supervisor that signals as soon as it reads it)
    // would otherwise meet Node's default handler, and the process would die of it, exit 143.
    let server: RunningServer | null = null;
    let signalled: string | null = null;
    const stop = (running: RunningServer, signal: string): void => {
      log.info(`${signal}: draining in-flight responses (up to ${config.drainTimeoutMs} ms)`);
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error(`stop failed: ${(err as Error).message}`);
          process.exit(1);
        },
      );
    };
    const onSignal = (signal: string): void => {
      if (signalled !== null) return;
      signalled = signal;
      // During start-up the server is stopped as soon as it exists.
      if (server !== null) stop(server, signal);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    server = await startServer(config, log);
    if (signalled !== null) {
      stop(server, signalled);
      return;
    }
    const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const base = `http://${host}:${server.port}`;
    process.stdout.write(
      [
        `llm-understudy listening on ${base} (${server.threads} thread${server.threads === 1 ? '' : 's'}, seed ${config.seed}, speed ${config.speed})`,
        `  OpenAI SDK:  baseURL ${base}/v1   (OPENAI_BASE_URL=${base}/v1)`,
        `  Anthropic SDK: baseURL ${base}   (ANTHROPIC_BASE_URL=${base})`,
        `  Gemini SDK:  httpOptions.baseUrl ${base}   (GOOGLE_GEMINI_BASE_URL=${base})`,
        `  metrics:     ${base}/metrics   health: ${base}/_understudy/health`,
        '',
      ].join('\n'),
    );
  });
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const code = simErrorCode(err);
    process.stderr.write(`understudy: ${code ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
