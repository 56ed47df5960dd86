/**
 * One test per rule of the config schema, the config file reader, and the flag list derived
 * from the schema.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFields, kebab } from '../src/config/fields.js';
import { readConfigFile } from '../src/config/file.js';
import { configSchema, resolveConfig } from '../src/config/schema.js';
import { SimError, simErrorCode } from '../src/sim-error.js';

/** Runs `fn`, expects a SimError, and returns it. */
function thrown(fn: () => unknown): SimError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SimError);
    return err as SimError;
  }
  throw new Error('expected a SimError, but nothing was thrown');
}

function rejects(input: Record<string, unknown>): SimError {
  const err = thrown(() => resolveConfig(input));
  expect(err.code).toBe('SIM_ERR_CONFIG_INVALID');
  return err;
}

describe('resolveConfig defaults', () => {
  it('fills every field from the schema defaults', () => {
    const config = resolveConfig({});
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8787,
      threads: availableParallelism(),
      seed: 1,
      bodyLimitBytes: 8 * 1024 * 1024,
      drainTimeoutMs: 10_000,
      apiKeys: [],
      strictModels: false,
      fallbackModel: 'gpt-4o-mini',
      timing: 'profile',
      speed: 1,
      headersAt: 'accept',
      pacing: 'spin',
      stalledStreamTimeoutMs: 30_000,
      lateEmissionMs: 10,
      overrideHeaders: true,
      logLevel: 'info',
    });
    expect(config.corpus).toBeUndefined();
    expect(config.quota).toBeUndefined();
    expect(config.scenario).toBeUndefined();
    expect(config.profiles).toBeUndefined();
  });

  it('treats undefined and null input as no options', () => {
    expect(resolveConfig(undefined)).toEqual(resolveConfig({}));
    expect(resolveConfig(null)).toEqual(resolveConfig({}));
  });

  it('keeps given values', () => {
    const given = {
      host: '0.0.0.0',
      port: 0,
      threads: 3,
      seed: 0xffffffff,
      corpus: '/tmp/c.msgpack',
      bodyLimitBytes: 1024,
      drainTimeoutMs: 0,
      apiKeys: ['a', 'b'],
      strictModels: true,
      fallbackModel: 'claude-sonnet-4',
      timing: 'recorded',
      speed: 0,
      headersAt: 'first-token',
      pacing: 'sleep',
      profiles: '/tmp/p.yaml',
      stalledStreamTimeoutMs: 100,
      lateEmissionMs: 2.5,
      quota: 'openai-tier-1',
      scenario: 'flaky-streams',
      overrideHeaders: false,
      adminToken: 'token-123456',
      logLevel: 'silent',
    } as const;
    expect(resolveConfig(given)).toEqual(given);
  });

  it('returns a frozen object whose apiKeys are frozen too', () => {
    const config = resolveConfig({ apiKeys: ['k1'] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.apiKeys)).toBe(true);
    expect(() => {
      // @ts-expect-error: the config is read-only
      config.port = 1;
    }).toThrow(TypeError);
    expect(() => config.apiKeys.push('k2')).toThrow(TypeError);
  });

  it('does not keep a reference to the caller’s apiKeys array', () => {
    const keys = ['k1'];
    const config = resolveConfig({ apiKeys: keys });
    keys.push('k2');
    expect(config.apiKeys).toEqual(['k1']);
  });
});

/** [field, a value breaking the rule, the rule in words, a boundary value that passes]. */
const RULES: readonly (readonly [string, unknown, RegExp, unknown])[] = [
  ['host', '', /too small|>=1/i, 'localhost'],
  ['host', 8080, /expected string/i, '::1'],
  ['port', -1, />=0/, 0],
  ['port', 65_536, /<=65535/, 65_535],
  ['port', 80.5, /expected int/i, 80],
  ['port', '8080', /expected number/i, 8080],
  ['threads', 0, />=1/, 1],
  ['threads', 257, /<=256/, 256],
  ['threads', 1.5, /expected int/i, 2],
  ['seed', -1, />=0/, 0],
  ['seed', 2 ** 32, /<=4294967295/, 2 ** 32 - 1],
  ['seed', 0.5, /expected int/i, 7],
  ['corpus', '', /too small|>=1/i, 'c.msgpack'],
  ['corpus', 5, /expected string/i, 'c.msgpack'],
  ['bodyLimitBytes', 1023, />=1024/, 1024],
  ['bodyLimitBytes', 1024 ** 3 + 1, /<=1073741824/, 1024 ** 3],
  ['bodyLimitBytes', 2048.5, /expected int/i, 2048],
  ['drainTimeoutMs', -1, />=0/, 0],
  ['drainTimeoutMs', 600_001, /<=600000/, 600_000],
  ['apiKeys', 'sk-one', /expected array/i, ['sk-one']],
  ['apiKeys', [''], /too small|>=1/i, ['x']],
  ['apiKeys', [1], /expected string/i, ['1']],
  ['strictModels', 'yes', /expected boolean/i, true],
  ['fallbackModel', '', /too small|>=1/i, 'gpt-4o'],
  ['timing', 'replay', /"profile"\|"recorded"|expected one of/i, 'recorded'],
  ['speed', -0.5, />=0/, 0],
  ['speed', 1001, /<=1000/, 1000],
  ['speed', Number.NaN, /expected number/i, 0.25],
  ['speed', Number.POSITIVE_INFINITY, /number|<=1000/i, 999.5],
  ['headersAt', 'first_token', /expected one of/i, 'first-token'],
  ['pacing', 'busy', /expected one of/i, 'spin'],
  ['profiles', '', /too small|>=1/i, 'p.yaml'],
  ['stalledStreamTimeoutMs', 99, />=100/, 100],
  ['stalledStreamTimeoutMs', 3_600_001, /<=3600000/, 3_600_000],
  ['lateEmissionMs', 0, />=0.001/, 0.001],
  ['lateEmissionMs', 60_001, /<=60000/, 60_000],
  ['logLevel', 'verbose', /expected one of/i, 'warn'],
  ['quota', '', /too small|>=1/i, 'openai-tier-1'],
  ['scenario', '', /too small|>=1/i, 'rate-limit-storm'],
  ['overrideHeaders', 'no', /expected boolean/i, false],
  ['adminToken', 'short', /too small|>=8/i, 'eight-chars'],
];

describe('resolveConfig rules', () => {
  it('has a rule case for every schema field', () => {
    const covered = new Set(RULES.map(([field]) => field));
    expect([...covered].sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it.each(RULES)('rejects %s = %o, naming the field and the rule', (field, bad, rule, ok) => {
    const err = rejects({ [field]: bad });
    expect(err.message).toMatch(new RegExp(`(^|[ ;:])${field}(\\.\\d+)?: `));
    expect(err.message).toMatch(rule);
    // The boundary on the right side of the rule is accepted.
    expect(resolveConfig({ [field]: ok })[field as keyof ReturnType<typeof resolveConfig>]).toEqual(ok);
  });

  it('rejects an unknown field, naming it', () => {
    const err = rejects({ port: 0, treads: 2 });
    expect(err.message).toContain('"treads"');
    expect(err.message).toMatch(/unknown field/);
  });

  it('names every unknown field', () => {
    const err = rejects({ colour: 'red', flavour: 'lime' });
    expect(err.message).toContain('"colour"');
    expect(err.message).toContain('"flavour"');
  });

  it('reports every broken rule, not only the first', () => {
    const err = rejects({ port: -1, threads: 0 });
    expect(err.message).toMatch(/port: /);
    expect(err.message).toMatch(/threads: /);
  });

  it('rejects a repeated API key', () => {
    const err = rejects({ apiKeys: ['sk-a', 'sk-b', 'sk-a'] });
    expect(err.message).toMatch(/apiKeys: must not repeat a key/);
    expect(err.message).not.toContain('sk-a');
  });

  it.each([
    ['a string', 'port=1'],
    ['an array', [1, 2]],
    ['a number', 7],
  ])('rejects %s as the whole input', (_what, input) => {
    const err = thrown(() => resolveConfig(input));
    expect(err.code).toBe('SIM_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/\(root\): .*expected object/i);
  });

  it('keeps its code when the error is cloned across a thread boundary', () => {
    const err = rejects({ port: -1 });
    expect(simErrorCode(structuredClone({ code: err.code, message: err.message }))).toBe('SIM_ERR_CONFIG_INVALID');
  });
});

describe('readConfigFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'understudy-config-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads JSON', () => {
    const path = file('a.json', JSON.stringify({ port: 9000, apiKeys: ['k'], strictModels: true }));
    expect(readConfigFile(path)).toEqual({ port: 9000, apiKeys: ['k'], strictModels: true });
    expect(resolveConfig(readConfigFile(path)).port).toBe(9000);
  });

  it('reads YAML (.yaml and .yml)', () => {
    const text = 'port: 9001\nthreads: 2\napiKeys:\n  - sk-1\n  - sk-2\nheadersAt: first-token\nspeed: 0.5\n';
    const want = { port: 9001, threads: 2, apiKeys: ['sk-1', 'sk-2'], headersAt: 'first-token', speed: 0.5 };
    expect(readConfigFile(file('a.yaml', text))).toEqual(want);
    expect(readConfigFile(file('a.yml', text))).toEqual(want);
  });

  it('reads an empty file as no options', () => {
    expect(readConfigFile(file('empty.yaml', ''))).toEqual({});
    expect(readConfigFile(file('comment.yaml', '# nothing here\n'))).toEqual({});
  });

  it('rejects bad JSON with SIM_ERR_CONFIG_FILE naming the file', () => {
    const path = file('bad.json', '{"port": 9000,');
    const err = thrown(() => readConfigFile(path));
    expect(err.code).toBe('SIM_ERR_CONFIG_FILE');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('rejects bad YAML with SIM_ERR_CONFIG_FILE naming the file', () => {
    const path = file('bad.yaml', 'port: [9000\nthreads: 2\n');
    const err = thrown(() => readConfigFile(path));
    expect(err.code).toBe('SIM_ERR_CONFIG_FILE');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not valid YAML/);
  });

  it('rejects YAML that repeats a key', () => {
    const err = thrown(() => readConfigFile(file('dup.yaml', 'port: 1\nport: 2\n')));
    expect(err.code).toBe('SIM_ERR_CONFIG_FILE');
  });

  it.each([
    ['a JSON array', 'list.json', '[{"port": 1}]'],
    ['a JSON number', 'num.json', '42'],
    ['a YAML list', 'list.yaml', '- port: 1\n'],
    ['a YAML string', 'str.yaml', 'just words\n'],
  ])('rejects %s at the top level', (_what, name, text) => {
    const err = thrown(() => readConfigFile(file(name, text)));
    expect(err.code).toBe('SIM_ERR_CONFIG_FILE');
    expect(err.message).toMatch(/top level must be an object/);
  });

  it('rejects a missing file with SIM_ERR_CONFIG_FILE', () => {
    const path = join(dir, 'absent.yaml');
    const err = thrown(() => readConfigFile(path));
    expect(err.code).toBe('SIM_ERR_CONFIG_FILE');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/cannot read/);
  });

  it('leaves rule checks to resolveConfig: a readable file that breaks a rule is SIM_ERR_CONFIG_INVALID', () => {
    const raw = readConfigFile(file('rule.yaml', 'port: "8080"\nthreads: 0\n'));
    const err = thrown(() => resolveConfig(raw));
    expect(err.code).toBe('SIM_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/port: /);
    expect(err.message).toMatch(/threads: /);
  });

  it('rejects an unknown field from a file, naming it', () => {
    const err = thrown(() => resolveConfig(readConfigFile(file('unknown.json', '{"bodyLimit": 1}'))));
    expect(err.code).toBe('SIM_ERR_CONFIG_INVALID');
    expect(err.message).toContain('"bodyLimit"');
  });
});

describe('configFields', () => {
  const fields = configFields();
  const byKey = new Map(fields.map((f) => [f.key, f]));

  it('has exactly one field for every schema key', () => {
    expect(fields.map((f) => f.key).sort()).toEqual(Object.keys(configSchema.shape).sort());
    expect(new Set(fields.map((f) => f.flag)).size).toBe(fields.length);
  });

  it('derives kebab-case flags', () => {
    expect(kebab('bodyLimitBytes')).toBe('body-limit-bytes');
    for (const f of fields) {
      // A switch that is on by default is turned off with --no-….
      expect(f.flag).toBe(f.kind === 'boolean' && f.defaultText === 'true' ? `--no-${kebab(f.key)}` : `--${kebab(f.key)}`);
      expect(f.flag).toMatch(/^--[a-z]+(-[a-z]+)*$/);
      expect(f.description.length).toBeGreaterThan(10);
    }
    expect(byKey.get('stalledStreamTimeoutMs')?.flag).toBe('--stalled-stream-timeout-ms');
  });

  it('gives each field the kind its schema type implies', () => {
    const kinds = Object.fromEntries(fields.map((f) => [f.key, f.kind]));
    expect(kinds).toEqual({
      host: 'string',
      port: 'integer',
      threads: 'integer',
      seed: 'integer',
      corpus: 'string',
      bodyLimitBytes: 'integer',
      drainTimeoutMs: 'integer',
      apiKeys: 'string-list',
      strictModels: 'boolean',
      fallbackModel: 'string',
      timing: 'enum',
      speed: 'number',
      headersAt: 'enum',
      pacing: 'enum',
      profiles: 'string',
      stalledStreamTimeoutMs: 'integer',
      lateEmissionMs: 'number',
      quota: 'string',
      scenario: 'string',
      overrideHeaders: 'boolean',
      adminToken: 'string',
      logLevel: 'enum',
    });
  });

  it('lists the choices of enum fields and the defaults as text', () => {
    expect(byKey.get('timing')?.choices).toEqual(['profile', 'recorded']);
    expect(byKey.get('headersAt')?.choices).toEqual(['accept', 'first-token']);
    expect(byKey.get('logLevel')?.choices).toEqual(['silent', 'error', 'warn', 'info', 'debug']);
    expect(byKey.get('port')?.defaultText).toBe('8787');
    expect(byKey.get('threads')?.defaultText).toBe('number of cores');
    expect(byKey.get('apiKeys')?.defaultText).toBe('(none)');
    expect(byKey.get('strictModels')?.defaultText).toBe('false');
  });
});
