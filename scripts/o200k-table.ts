/**
 * Writes the o200k rank table the simulator reads at start (`src/corpus/o200k-table-file.ts`).
 * Part of `npm run build`; the test setup runs it after compiling. Without the file the simulator
 * still starts, building the table from gpt-tokenizer's rank list (0.6–0.8 s longer).
 */
import { buildO200kTableFromRanks, SLOT_BITS } from '../src/corpus/o200k.js';
import { O200K_TABLE_FILE, rankSource, writeO200kTableFile } from '../src/corpus/o200k-table-file.js';

const source = rankSource();
writeO200kTableFile(buildO200kTableFromRanks(source), source, SLOT_BITS);
process.stdout.write(`o200k table: ${O200K_TABLE_FILE()} (gpt-tokenizer ${source.version})\n`);
