/**
 * Programmatic API for tests and scripts.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai';
 * import { startSimulator } from 'llm-understudy';
 *
 * const sim = await startSimulator({ threads: 1, speed: 0 });
 * const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test' });
 * const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * await sim.stop();
 * ```
 */
import { resolveConfig, type Config, type ConfigInput } from './config/schema.js';
import { createLogger } from './log.js';
import { startServer } from './workers/supervisor.js';

export interface Simulator {
  /** Base URL without a path, e.g. `http://127.0.0.1:40123`; OpenAI clients add `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  /** Stops accepting, lets in-flight responses finish up to the drain deadline, and stops the threads. */
  stop(): Promise<void>;
}

/** Starts the simulator; options are the config file's fields, and the port defaults to 0 (a free port). */
export async function startSimulator(options: ConfigInput = {}): Promise<Simulator> {
  const config = resolveConfig({ port: 0, logLevel: 'error', ...options });
  const server = await startServer(config, createLogger(config.logLevel));
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return { url: `http://${host}:${server.port}`, port: server.port, config, stop: () => server.stop() };
}

export { resolveConfig, configSchema } from './config/schema.js';
export type { Config, ConfigInput } from './config/schema.js';
export { SimError, SIM_ERROR_CODES, type SimErrorCode } from './sim-error.js';

// Writing a corpus of your own (docs/corpus-format.md): the entries' types, the tokenizer the
// default corpus is split with, and the encoder `--corpus` files are read back with.
export { encodeCorpus, readCorpusFile } from './corpus/codec.js';
export { splitTokens } from './corpus/tokens.js';
export type { CorpusEntry, CorpusToolCall, EntryKind, FinishReason, RecordedTiming } from './corpus/format.js';
