// Prints the README's configuration table, generated from the config schema.
import { configTableMarkdown } from '../src/config/fields.js';

process.stdout.write(configTableMarkdown() + '\n');
