// The import graph of the repository's own code: one edge per import, paths relative to the
// repository root with "/" separators, so rules and reports read the same on every OS.
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { extractImports } from "./imports.ts";

export interface ImportEdge {
  from: string;
  /** A repository path for a relative import, else the bare specifier ("hono", "node:fs"). */
  to: string;
  typeOnly: boolean;
  line: number;
}

/** Every .ts file under `dir` (repository-relative), sorted so reports are stable. */
export function listTsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTsFiles(root, path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

export function resolveSpecifier(fromFile: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return posix.normalize(posix.join(posix.dirname(fromFile), specifier));
}

/** Edges of `files`, given each file's source (a function so tests can feed synthetic code). */
export function edgesOf(files: string[], sourceOf: (file: string) => string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const ref of extractImports(sourceOf(file))) {
      const to = resolveSpecifier(file, ref.specifier);
      edges.push({ from: file, to, typeOnly: ref.typeOnly, line: ref.line });
    }
  }
  return edges;
}

export function readEdges(root: string, dirs: string[]): { files: string[]; edges: ImportEdge[] } {
  const files = dirs.flatMap((dir) => listTsFiles(root, dir));
  return { files, edges: edgesOf(files, (file) => readFileSync(join(root, file), "utf8")) };
}

/**
 * The layer unit a path belongs to, for the folder-level cycle check: src/<folder> as a whole
 * (src/group/assignors belongs to src/group), except that a face's server side
 * (src/protocol/<face>/server) is a unit apart from its codec; a file directly in src/ or
 * runtime/ is a unit by itself.
 */
export function unitOf(path: string): string {
  const parts = path.split("/");
  if (parts.length <= 2) return path;
  if (parts[0] === "src" && parts[1] === "protocol" && parts.length >= 4) {
    const face = parts.slice(0, 3).join("/");
    return parts.length >= 5 && parts[3] === "server" ? `${face}/server` : face;
  }
  return parts.slice(0, 2).join("/");
}

/** Strongly connected components with more than one node (Tarjan), each sorted, in order. */
export function cycles(nodes: string[], next: (node: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;

  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };

  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
