// Number formatting shared by the stdout table, the Markdown and the SVG.

export const isNum = (value) => typeof value === 'number' && Number.isFinite(value);

export function int(value) {
  return isNum(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

/** Three significant digits, thousands separated. */
export function sig(value) {
  if (!isNum(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export const ms = (value) => (isNum(value) ? `${sig(value)} ms` : '–');

export function bytes(value) {
  if (!isNum(value)) return '–';
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} kB`;
  return `${int(value)} B`;
}

export const x = (value) => (isNum(value) ? `${value.toFixed(2)}×` : '–');

/** "median [min–max]" of a summary(). */
export function range(s, f = sig) {
  if (!s || !isNum(s.median)) return '–';
  return s.n > 1 ? `${f(s.median)} [${f(s.min)}–${f(s.max)}]` : f(s.median);
}

/** "0.87× [0.80–0.95]" of a ratio(). */
export function ratioText(r) {
  if (!r || !isNum(r.ratio)) return '–';
  return isNum(r.pairMin) && r.pairMin !== r.pairMax ? `${x(r.ratio)} [${r.pairMin.toFixed(2)}–${r.pairMax.toFixed(2)}]` : x(r.ratio);
}

export const sizeLabel = (size) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

/** Fixed-width text table: `rows` is an array of arrays of strings; first row is the header. */
export function textTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length)));
  const line = (row) => row.map((cell, column) => String(cell ?? '').padEnd(widths[column])).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Markdown table of the same shape. */
export function markdownTable(rows) {
  const escape = (cell) => String(cell ?? '').replace(/\|/g, '\\|');
  return [
    `| ${rows[0].map(escape).join(' | ')} |`,
    `| ${rows[0].map(() => '---').join(' | ')} |`,
    ...rows.slice(1).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
