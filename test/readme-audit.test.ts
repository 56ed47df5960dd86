/**
 * The README as a new user meets it: its client snippets, its test example and its YAML examples
 * are read out of README.md and run against the real server, so an example that stops working (or
 * never worked outside an environment with API keys set) fails here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { generateText } from 'ai';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFields } from '../src/config/fields.js';
import { readConfigFile } from '../src/config/file.js';
import { resolveConfig } from '../src/config/schema.js';
import { SIM_ERROR_CODES, startSimulator } from '../src/index.js';
import { useSimulator } from './fixtures/sim.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const README_URL = 'http://127.0.0.1:8787';

/** The code spans of the "Pointing your SDK at it" row for `client` that build a client. */
function clientSnippets(client: string): string[] {
  const row = readme.split('\n').find((line) => line.startsWith(`| ${client} |`));
  if (row === undefined) throw new Error(`README has no row for ${client}`);
  return [...row.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((code) => /^(new [A-Z]\w*|create\w+)\(/.test(code));
}

/** Builds a client from README text, with the README's base URL pointed at `url`. */
function build(code: string, url: string): unknown {
  const scope = { OpenAI, AzureOpenAI, Anthropic, GoogleGenAI, createOpenAI, createAnthropic, createGoogleGenerativeAI, ChatOpenAI, ChatAnthropic };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the code under test is the README's own text
  const make = new Function(...Object.keys(scope), `return ${code.replaceAll(README_URL, url)};`) as (...args: unknown[]) => unknown;
  return make(...Object.values(scope));
}

/** One request through whatever `code` built, as a user of that client would send it. */
async function ask(code: string, client: unknown): Promise<string> {
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  if (client instanceof OpenAI) return (await client.chat.completions.create({ model: 'gpt-4o-mini', messages })).choices[0]!.message.content ?? '';
  if (client instanceof Anthropic) {
    const reply = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, messages });
    return reply.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  }
  if (client instanceof GoogleGenAI) return (await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' })).text ?? '';
  if (client instanceof ChatOpenAI || client instanceof ChatAnthropic) return (await client.invoke('Hi')).text;
  const model = code.startsWith('createAnthropic') ? 'claude-haiku-4-5' : code.startsWith('createGoogle') ? 'gemini-2.5-flash' : 'gpt-4o-mini';
  const provider = client as (id: string) => Parameters<typeof generateText>[0]['model'];
  return (await generateText({ model: provider(model), prompt: 'Hi', maxRetries: 0 })).text;
}

// A new user's shell has no provider keys: the snippets must work without them.
const KEY_VARS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];
const BASE_VARS = ['OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'GOOGLE_GEMINI_BASE_URL'];
const saved = new Map<string, string | undefined>();
beforeAll(() => {
  for (const name of [...KEY_VARS, ...BASE_VARS]) {
    saved.set(name, process.env[name]);
    delete process.env[name];
  }
});
afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('README: pointing your SDK at it', () => {
  const sim = useSimulator();
  const rows = [
    '`openai` (Node)',
    '`AzureOpenAI` (openai Node)',
    '`@anthropic-ai/sdk` (Node)',
    '`@google/genai` (Node)',
    'Vercel AI SDK',
    'Vercel AI SDK, Anthropic',
    'Vercel AI SDK, Gemini',
    'LangChain.js',
    'LangChain.js, Anthropic',
  ];

  it.each(rows)('the %s row, as written, answers with no API key in the environment', async (row) => {
    const snippets = clientSnippets(row);
    expect(snippets.length).toBeGreaterThan(0);
    for (const code of snippets) {
      const text = await ask(code, build(code, sim().url));
      expect(text.length, code).toBeGreaterThan(0);
    }
  });

  it('the environment-variable forms reach the simulator', async () => {
    const url = sim().url;
    process.env.OPENAI_BASE_URL = `${url}/v1`;
    process.env.ANTHROPIC_BASE_URL = url;
    process.env.GOOGLE_GEMINI_BASE_URL = url;
    try {
      expect(await ask('', new OpenAI({ apiKey: 'anything' }))).not.toBe('');
      expect(await ask('', new Anthropic({ apiKey: 'anything' }))).not.toBe('');
      expect(await ask('', new GoogleGenAI({ apiKey: 'anything' }))).not.toBe('');
    } finally {
      for (const name of BASE_VARS) delete process.env[name];
    }
  });
});

describe('README: the example for your own tests', () => {
  it('runs as printed', async () => {
    const block = /In your own tests:\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const body = block!
      .split('\n')
      .filter((line) => !line.startsWith('import '))
      .join('\n');
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>;
    await new AsyncFunction('OpenAI', 'startSimulator', `${body}\nreturn reply;`)(OpenAI, startSimulator).then((reply) => {
      expect((reply as OpenAI.ChatCompletion).choices[0]!.message.content).toBeTruthy();
    });
  });
});

describe('README: its YAML examples load', () => {
  const sim = useSimulator();
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1]!) as Record<string, unknown>);

  it('every rate-limit file loads through the admin API', async () => {
    const quotas = blocks.filter((b) => !('phases' in b));
    expect(quotas.length).toBeGreaterThanOrEqual(2);
    for (const body of quotas) {
      const res = await fetch(`${sim().url}/_understudy/quota`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, await res.text()).toBe(200);
    }
    await fetch(`${sim().url}/_understudy/quota`, { method: 'DELETE' });
  });

  it('the scenario file loads and targets what it says', async () => {
    const scenario = blocks.find((b) => 'phases' in b);
    expect(scenario, 'README shows no scenario file').toBeDefined();
    const loaded = await fetch(`${sim().url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify(scenario) });
    expect(loaded.status, await loaded.text()).toBe(200);
    try {
      const claude = await fetch(`${sim().url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(claude.status).toBe(529);
      // The timed phase has not started yet.
      const chat = await fetch(`${sim().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-env': 'ci' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(chat.status).toBe(200);
    } finally {
      await fetch(`${sim().url}/_understudy/scenario`, { method: 'DELETE' });
    }
  });
});

describe('README: what a wrong key gets', () => {
  const sim = useSimulator({ apiKeys: ['good-key'] });

  it('the apiKeys description names the status each provider answers', async () => {
    const post = (path: string, headers: Record<string, string>, body: unknown): Promise<Response> =>
      fetch(`${sim().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const messages = [{ role: 'user', content: 'Hi' }];
    const openai = await post('/v1/chat/completions', { authorization: 'Bearer wrong' }, { model: 'gpt-4o-mini', messages });
    const anthropic = await post('/v1/messages', { 'x-api-key': 'wrong' }, { model: 'claude-haiku-4-5', max_tokens: 16, messages });
    const gemini = await post('/v1beta/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': 'wrong' }, { contents: [{ parts: [{ text: 'Hi' }] }] });
    const xai = await post('/v1/chat/completions', { authorization: 'Bearer wrong' }, { model: 'grok-4', messages });
    expect([openai.status, anthropic.status, gemini.status, xai.status]).toEqual([401, 401, 400, 400]);
    const description = configFields().find((f) => f.key === 'apiKeys')!.description;
    expect(description).not.toContain("the provider's 401.");
    expect(description).toMatch(/Gemini's and xAI's 400/);
  });
});

describe('README: configuration as the section describes it', () => {
  it('a list field is a list in a config file, and comma-separated text only on the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-readme-'));
    const listed = join(dir, 'listed.yaml');
    writeFileSync(listed, 'port: 0\napiKeys: [key-1, key-2]\n');
    expect(resolveConfig(readConfigFile(listed)).apiKeys).toEqual(['key-1', 'key-2']);
    const comma = join(dir, 'comma.yaml');
    writeFileSync(comma, 'port: 0\napiKeys: key-1,key-2\n');
    expect(() => resolveConfig(readConfigFile(comma))).toThrow(/apiKeys/);
  });

  it('the admin API takes a rate-limit file with families and burstWindowMs', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0 });
    try {
      const body = { defaults: { requestsPerMinute: 60 }, families: { 'claude-opus-4.x': ['claude-opus-4'] }, burstWindowMs: 1000 };
      const res = await fetch(`${sim.url}/_understudy/quota`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { limits: Record<string, unknown> }).limits).toMatchObject(body);
    } finally {
      await sim.stop();
    }
  });
});

describe('README: the timing model', () => {
  it('names the chunk sizes the built-in profiles use', () => {
    const { profiles } = JSON.parse(readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8')) as {
      profiles: Record<string, { tokensPerChunk: { min: number; max: number } }>;
    };
    const stated = /tokens go out in SSE events of the provider's chunk size\s+\(([^)]*)\)/.exec(readme)?.[1]?.replace(/\s+/g, ' ') ?? '';
    const sizes = new Set(Object.entries(profiles).filter(([name]) => !/embedding|moderation/.test(name)).map(([, p]) => `${p.tokensPerChunk.min}–${p.tokensPerChunk.max}`));
    for (const size of sizes) expect(stated, `README's chunk sizes: ${stated}`).toContain(size);
  });
});

describe('docs/errors.md', () => {
  const errors = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it('lists every code the simulator throws, and only those', () => {
    const listed = new Set([...errors.matchAll(/`(SIM_ERR_[A-Z_]+)`/g)].map((m) => m[1]));
    expect([...listed].sort()).toEqual(Object.keys(SIM_ERROR_CODES).sort());
  });

  it('sends the reader only to tools the project has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts);
    for (const [, name] of errors.matchAll(/npm run ([\w:-]+)/g)) expect(scripts).toContain(name);
    // There is no recorder: a corpus is built with npm run corpus:build or the exported encodeCorpus.
    expect(errors).not.toMatch(/\bthe recorder\b/);
  });
});

describe('README: the Node versions it runs on', () => {
  it('promises only the Node versions the uWS package ships a native binding for', () => {
    // Node's module ABI by major version; a newer Node loads only the pure-JS fallback, which the
    // simulator refuses (SIM_ERR_UWS_FALLBACK).
    const majorByAbi: Record<string, number> = { '93': 16, '108': 18, '115': 20, '127': 22, '137': 24 };
    const uwsDir = new URL('../node_modules/@trufflesuite/uws-js-unofficial/binaries/', import.meta.url);
    const abis = readdirSync(uwsDir).map((f) => /_(\d+)\.node$/.exec(f)?.[1]).filter((abi): abi is string => abi !== undefined);
    const newest = Math.max(...abis.map((abi) => majorByAbi[abi] ?? 0));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    const below = /<\s*(\d+)/.exec(pkg.engines.node)?.[1];
    expect(below, `engines.node ${pkg.engines.node} has no upper bound`).toBeDefined();
    expect(Number(below)).toBe(newest + 1);
    expect(readme).toContain(`Node ${newest}`);
  });
});

describe('README: the CLI as its help prints it', () => {
  it('documents every flag of understudy serve --help, with the default the help gives', () => {
    const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
    const help = execFileSync(process.execPath, [cli, 'serve', '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '400' } });
    const flags = [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of flags) expect(readme, flag).toContain(`\`${flag}`);
    for (const field of configFields()) {
      if (field.defaultText === '' || field.flag.startsWith('--no-')) continue;
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`${field.flag} `)) ?? '';
      expect(line, field.flag).toContain(`(default: ${field.defaultText})`);
      expect(readme).toContain(`| \`${field.flag}\` | `);
    }
  });
});

describe('README: the chaos faults table', () => {
  const sim = useSimulator();

  it('names exactly the fault kinds that take afterTokens', async () => {
    const kinds = [...readme.matchAll(/^\| (`[a-z_0-9]+`(?:, `[a-z_0-9]+`)*) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z_0-9]+)`/g)].map((k) => k[1]!));
    expect(kinds).toContain('missing_done');
    const taking: string[] = [];
    for (const kind of kinds) {
      const scenario = { name: 'after-tokens', phases: [{ name: 'p', faults: [{ kind, afterTokens: 3 }] }] };
      const res = await fetch(`${sim().url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify(scenario) });
      if (res.status === 200) taking.push(kind);
    }
    await fetch(`${sim().url}/_understudy/scenario`, { method: 'DELETE' });
    const sentence = /Every mid-stream fault that takes `afterTokens` \(([^)]*)\)/.exec(readme)?.[1] ?? '';
    const named = [...sentence.matchAll(/`([a-z_0-9]+)`/g)].map((m) => m[1]!);
    expect(named.sort()).toEqual(taking.sort());
  });

  it('says in its row of each kind which optional fields that kind takes', async () => {
    const rows = readme.split('\n').filter((l) => /^\| `[a-z_0-9]+`/.test(l) && !l.includes('| `--'));
    const rowOf = (kind: string): string => rows.find((r) => r.split(' | ')[0]!.includes(`\`${kind}\``)) ?? '';
    const values: Record<string, number> = { retryAfterMs: 500, afterTokens: 3, delayMs: 100, factorFrom: 2, factorTo: 3 };
    const kinds = ['rate_limit', 'quota_exhausted', 'server_error_500', 'bad_gateway_502', 'unavailable_503', 'gateway_timeout_504', 'overloaded_529', 'stream_overloaded', 'timeout_no_answer', 'timeout_slow_answer', 'ttft_brownout', 'slow_tokens', 'disconnect_after_tokens', 'malformed_frame', 'missing_done', 'truncated_json', 'empty_200', 'reset_before_headers'];
    const missing: string[] = [];
    for (const kind of kinds) {
      expect(rowOf(kind), kind).not.toBe('');
      for (const [field, value] of Object.entries(values)) {
        const scenario = { name: 'fields', phases: [{ name: 'p', faults: [{ kind, [field]: value }] }] };
        const res = await fetch(`${sim().url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify(scenario) });
        if (res.status === 200 && !rowOf(kind).includes(`\`${field}\``)) missing.push(`${kind}: ${field}`);
      }
    }
    await fetch(`${sim().url}/_understudy/scenario`, { method: 'DELETE' });
    expect(missing).toEqual([]);
  });
});
