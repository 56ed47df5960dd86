/** Resolves `--scenario`: a name from the shipped library (`scenarios/<name>.yaml`) or a file path. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { SimError } from '../sim-error.js';
import { readScenarioFile, type Scenario } from './scenario.js';

export function libraryDir(): string {
  return join(packageRoot(), 'scenarios');
}

export function libraryNames(): string[] {
  return readdirSync(libraryDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * A scenario of the shipped library by name, never a path: what the admin API's `{"name"}` loads,
 * so a request cannot make the server read, or report on, any other file it can open.
 */
export function loadLibraryScenario(name: string): Scenario {
  const names = libraryNames();
  if (!names.includes(name)) {
    throw new SimError('SIM_ERR_SCENARIO_INVALID', `name: ${JSON.stringify(name)} is not a library scenario (${names.join(', ')}); send the scenario itself to load one of your own`);
  }
  return readScenarioFile(join(libraryDir(), `${name}.yaml`));
}

export function loadScenario(spec: string): Scenario {
  const named = join(libraryDir(), `${spec}.yaml`);
  if (/^[a-z0-9-]+$/.test(spec) && existsSync(named)) return readScenarioFile(named);
  if (!existsSync(spec)) {
    throw new SimError('SIM_ERR_SCENARIO_INVALID', `${spec}: neither a library scenario (${libraryNames().join(', ')}) nor an existing file`);
  }
  return readScenarioFile(spec);
}
