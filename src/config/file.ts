/** Reads a config file (JSON, or YAML for any other extension) into raw input for `resolveConfig`. */
import { SimError } from '../sim-error.js';
import { readDataFile } from './data-file.js';

export function readConfigFile(file: string): Record<string, unknown> {
  const raw = readDataFile(file, 'SIM_ERR_CONFIG_FILE', 'config file');
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SimError('SIM_ERR_CONFIG_FILE', `${file}: the top level must be an object of config fields`);
  }
  return raw as Record<string, unknown>;
}
