/** Plain-text tables for the bench's report: one per section, columns padded, numbers aligned right. */

export type Cell = string | number | undefined;

/** Formats a number for a table: thousands separators for large values, `digits` decimals for small. */
export function fmt(v: number | undefined, digits = 2): string {
  if (v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) || Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

export function kib(bytes: number | undefined): string {
  return bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function pct(share: number | undefined): string {
  return share === undefined || Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)}%`;
}

export function renderTable(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => (c === undefined ? 'n/a' : typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  // The first column names the row; the others hold figures and align right.
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`\n${title}`, line(header), rule, ...text.map(line)].join('\n');
}

export function printTable(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  process.stdout.write(renderTable(title, header, rows) + '\n');
}

/** Logs progress to stderr, so stdout holds only the tables. */
export function progress(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}
