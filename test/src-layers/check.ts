// Applies the layer rules and the cycle checks to an import graph; every finding is one line a
// reader can act on without opening the test.
import { cycles, type ImportEdge, unitOf } from "./graph.ts";
import type { LayerRule } from "./rules.ts";

export function matches(path: string, pattern: string): boolean {
  if (pattern.endsWith("/")) return path.startsWith(pattern);
  return path === pattern || path.startsWith(`${pattern}/`);
}

function matchesAny(path: string, patterns: string[] | undefined): boolean {
  return patterns !== undefined && patterns.some((pattern) => matches(path, pattern));
}

export function ruleApplies(rule: LayerRule, file: string): boolean {
  return matchesAny(file, rule.from) && !matchesAny(file, rule.except);
}

/** Why `edge` breaks `rule`, or null when it does not. */
function breach(rule: LayerRule, edge: ImportEdge): string | null {
  if (unitOf(edge.from) === unitOf(edge.to)) return null;
  const typeOnlyTarget = matchesAny(edge.to, rule.typeOnlyAllowed);
  if (typeOnlyTarget && edge.typeOnly) return null;
  if (rule.mayNotImport !== undefined && matchesAny(edge.to, rule.mayNotImport)) return "";
  if (rule.mayImportOnly !== undefined && !matchesAny(edge.to, rule.mayImportOnly)) {
    return typeOnlyTarget ? " [only `import type` is allowed]" : "";
  }
  return null;
}

/** One line per forbidden import: `file:line -> target: rule (why)`. */
export function ruleOffences(rules: LayerRule[], edges: ImportEdge[]): string[] {
  const offences: string[] = [];
  for (const edge of edges) {
    for (const rule of rules) {
      if (!ruleApplies(rule, edge.from)) continue;
      const note = breach(rule, edge);
      if (note === null) continue;
      const kind = edge.typeOnly ? " (type-only)" : "";
      offences.push(
        `${edge.from}:${edge.line} -> ${edge.to}${kind}: ${rule.name}${note} (${rule.why})`,
      );
    }
  }
  return offences;
}

function adjacency(pairs: Array<[string, string]>): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const [from, to] of pairs) {
    const list = next.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    next.set(from, list);
  }
  return next;
}

/** Each import circle between files, as its files; edges leaving `files` are ignored. */
export function fileCycles(files: string[], edges: ImportEdge[]): string[] {
  const known = new Set(files);
  const inside = edges.filter((edge) => known.has(edge.to) && edge.from !== edge.to);
  const next = adjacency(inside.map((edge) => [edge.from, edge.to]));
  return cycles(files, (file) => next.get(file) ?? []).map((component) =>
    `${component.length} files: ${component.join(", ")}`
  );
}

/**
 * Each circle between layer units, with one import that carries every unit-to-unit step of it,
 * so the line to move is visible.
 */
export function folderCycles(files: string[], edges: ImportEdge[]): string[] {
  const known = new Set(files);
  const example = new Map<string, ImportEdge>();
  for (const edge of edges) {
    const from = unitOf(edge.from);
    const to = unitOf(edge.to);
    if (!known.has(edge.to) || from === to) continue;
    const key = `${from} -> ${to}`;
    if (!example.has(key)) example.set(key, edge);
  }
  const pairs = [...example.keys()].map((key) => key.split(" -> ") as [string, string]);
  const next = adjacency(pairs);
  const units = [...new Set(files.map(unitOf))];
  return cycles(units, (unit) => next.get(unit) ?? []).map((component) => {
    const inCycle = new Set(component);
    const steps = pairs
      .filter(([from, to]) => inCycle.has(from) && inCycle.has(to))
      .map(([from, to]) => {
        const edge = example.get(`${from} -> ${to}`)!;
        return `${from} -> ${to} (${edge.from}:${edge.line} -> ${edge.to})`;
      });
    return `${component.join(", ")}: ${steps.join("; ")}`;
  });
}
