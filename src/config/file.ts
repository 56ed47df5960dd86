/** Reads a config file (JSON, or YAML for any other extension) into raw input for `resolveConfig`. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SimError } from '../sim-error.js';

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SimError('SIM_ERR_CONFIG_FILE', `${file}: cannot read config file (${(cause as Error).message})`, { cause });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new SimError('SIM_ERR_CONFIG_FILE', `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(cause as Error).message})`, { cause });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SimError('SIM_ERR_CONFIG_FILE', `${file}: the top level must be an object of config fields`);
  }
  return raw as Record<string, unknown>;
}
