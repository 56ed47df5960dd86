/**
 * Reads a user's data file (config, profiles, quota, scenario): JSON for `.json`, YAML otherwise.
 * A failure carries the caller's error code and names the file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SimError, type SimErrorCode } from '../sim-error.js';

export function readDataFile(file: string, code: SimErrorCode, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SimError(code, `${file}: cannot read ${what} (${(cause as Error).message})`, { cause });
  }
  const json = file.endsWith('.json');
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new SimError(code, `${file}: not valid ${json ? 'JSON' : 'YAML'} (${(cause as Error).message})`, { cause });
  }
}
