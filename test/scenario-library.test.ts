import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readScenarioFile } from '../src/chaos/scenario.js';

const dir = new URL('../scenarios/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('scenario library', () => {
  it('ships the five documented scenarios', () => {
    expect(files.sort()).toEqual(['flaky-streams.yaml', 'overload-529.yaml', 'provider-brownout.yaml', 'quota-exhaustion.yaml', 'rate-limit-storm.yaml']);
  });

  it.each(files)('%s is valid, named after its file, and says what it tests', (file) => {
    const s = readScenarioFile(new URL(file, dir).pathname);
    expect(s.name).toBe(file.replace(/\.yaml$/, ''));
    expect(s.description.length).toBeGreaterThan(20);
    expect(s.tests.length).toBeGreaterThan(20);
  });
});

describe('loading a scenario by name', () => {
  it('names the library when neither a library scenario nor a file matches', async () => {
    const { loadScenario } = await import('../src/chaos/library.js');
    expect(loadScenario('overload-529').name).toBe('overload-529');
    expect(() => loadScenario('thunderstorm')).toThrow(/thunderstorm: neither a library scenario \(flaky-streams, overload-529, provider-brownout, quota-exhaustion, rate-limit-storm\) nor an existing file/);
  });
});
