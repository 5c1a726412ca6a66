// src/ must stay runtime-neutral: it is handed a Runtime and never reaches for host globals.
// The composition roots (src/main.ts, src/index.ts) may import runtime/load.ts, nothing else.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const forbidden: Array<[RegExp, string]> = [
  [/(?<![.\w])process\./, "process"],
  [/(?<![.\w])Deno\./, "Deno"],
  [/(?<![.\w])Bun\./, "Bun"],
  [/\bBuffer\b/, "Buffer"],
  [/from\s+["']node:(fs|net|tls|http|https|child_process|os)(\/promises)?["']/, "node:fs/net/..."],
  [/from\s+["'](fs|net|tls|http|os)["']/, "bare node builtin"],
  [/\bDate\.now\(/, "Date.now"],
  [/\bnew Date\(\)/, "new Date()"],
  [/\bMath\.random\(/, "Math.random"],
  [/(^|[^.\w])setTimeout\(/, "setTimeout"],
  [/(^|[^.\w])setInterval\(/, "setInterval"],
  [/\bperformance\.now\(/, "performance.now"],
];

/** A static or dynamic import (or export ... from) of anything under runtime/sim/. */
const simImport = /(from\s+|import\s*\(\s*|import\s+)["'](\.\.\/)+runtime\/sim\//;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("src/ purity", () => {
  it("uses no host globals or node I/O modules", () => {
    const offences: string[] = [];
    for (const file of tsFiles("src")) {
      const code = stripComments(readFileSync(file, "utf8"));
      for (const [pattern, what] of forbidden) {
        if (pattern.test(code)) offences.push(`${file}: ${what}`);
      }
      const isRoot = file === join("src", "main.ts") || file === join("src", "index.ts");
      const adapterImport = /from\s+["']\.\.\/+(\.\.\/)*runtime\/(node|deno|bun)\//.test(code);
      if (adapterImport) offences.push(`${file}: imports a runtime adapter`);
      if (!isRoot && /runtime\/load\.ts/.test(code)) offences.push(`${file}: loads a runtime`);
    }
    expect(offences).toEqual([]);
  });

  it("imports nothing from runtime/sim (the simulator is for tests; --memory uses runtime/memory)", () => {
    const offences: string[] = [];
    for (const file of tsFiles("src")) {
      const code = stripComments(readFileSync(file, "utf8"));
      if (simImport.test(code)) offences.push(`${file}: imports runtime/sim`);
    }
    expect(offences).toEqual([]);
  });

  it("would catch a leak (the checker itself works)", () => {
    const code = stripComments(
      "const t = Date.now(); // fine\nsetTimeout(f, 1); rt.process.exit(1)",
    );
    const hits = forbidden.filter(([p]) => p.test(code)).map(([, w]) => w);
    expect(hits).toEqual(["Date.now", "setTimeout"]);
  });
});
