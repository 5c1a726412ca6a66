// Plain-text tables for people: a header row, columns padded to their widest cell, two spaces
// between columns, no trailing blanks. Null cells print as "-".

export type Cell = string | number | null;

export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = (c: Cell) => (c === null ? "-" : String(c));
  const all = [header, ...rows.map((r) => r.map(text))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  "))
    .map((line) => `${line.trimEnd()}\n`)
    .join("");
}
