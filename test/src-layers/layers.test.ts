// The layers of docs/architecture.md, enforced: each import in src/ and runtime/ is checked
// against the rule table, and no two files or layer units may import each other in a circle.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fileCycles, folderCycles, ruleOffences } from "./check.ts";
import { edgesOf, readEdges, unitOf } from "./graph.ts";
import { extractImports } from "./imports.ts";
import { LAYER_RULES, type LayerRule } from "./rules.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { files, edges } = readEdges(root, ["src", "runtime"]);

describe("layers", () => {
  it("src/ and runtime/ import only what their layer may", () => {
    expect(ruleOffences(LAYER_RULES, edges)).toEqual([]);
  });

  it("has no import circle between files", () => {
    expect(fileCycles(files, edges)).toEqual([]);
  });

  it("has no import circle between folders (layer units)", () => {
    expect(folderCycles(files, edges)).toEqual([]);
  });

  it("names every rule in docs/architecture.md, and the doc no rule the test lacks", () => {
    const doc = readFileSync(new URL("../../docs/architecture.md", import.meta.url), "utf8");
    const documented = new Set([...doc.matchAll(/`rule:([a-z-]+)`/g)].map((m) => m[1]));
    const tested = new Set(LAYER_RULES.map((rule) => rule.name));
    expect([...tested].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !tested.has(name))).toEqual([]);
  });
});

describe("layers checker (the checker itself works)", () => {
  it("reads every import form and ignores imports in comments and strings", () => {
    const source = [
      `import { a } from "./a.ts";`,
      `import type { B } from "./b.ts";`,
      `import { type C } from "./c.ts"; // loads c.ts: not type-only`,
      `import type from "./default-named-type.ts";`,
      `export { d } from "./d.ts";`,
      `export type { E } from "./e.ts";`,
      `export * as f from "./f.ts";`,
      `import "./side-effect.ts";`,
      `const g = await import("./g.ts");`,
      `import {`,
      `  h, // a comment inside the clause`,
      `  i,`,
      `} from "./hi.ts";`,
      `// import { x } from "./commented.ts";`,
      `/* export * from "./block-commented.ts"; */`,
      `const s = 'import { y } from "./in-a-string.ts"';`,
      'const t = `import("./in-a-template.ts") ${\'import { z } from "./in-expr.ts"\'}`;',
      `const r = /import { q } from "\\.\\/in-a-regex.ts"/;`,
      `const m = import.meta.url; export { s, t };`,
    ].join("\n");
    const found = extractImports(source).map((ref) =>
      `${ref.specifier}${ref.typeOnly ? " type" : ""}`
    );
    expect(found).toEqual([
      "./a.ts",
      "./b.ts type",
      "./c.ts",
      "./default-named-type.ts",
      "./d.ts",
      "./e.ts type",
      "./f.ts",
      "./side-effect.ts",
      "./g.ts",
      "./hi.ts",
    ]);
  });

  it("finds a forbidden edge, allows a type-only one, and finds circles", () => {
    const sources: Record<string, string> = {
      "src/low/a.ts":
        `import { b } from "../high/b.ts";\nimport type { T } from "../../runtime/types.ts";`,
      "src/low/b.ts": `import { Rt } from "../../runtime/types.ts";`,
      "src/high/b.ts": `import { a } from "../low/a.ts";`,
      "src/ring/x.ts": `import { y } from "./y.ts";`,
      "src/ring/y.ts": `export { x } from "./x.ts";`,
    };
    const synthetic = Object.keys(sources);
    const graph = edgesOf(synthetic, (file) => sources[file]);
    const rules: LayerRule[] = [{
      name: "low-alone",
      from: ["src/low/"],
      mayImportOnly: [],
      typeOnlyAllowed: ["runtime/types.ts"],
      why: "test",
    }];
    expect(ruleOffences(rules, graph)).toEqual([
      "src/low/a.ts:1 -> src/high/b.ts: low-alone (test)",
      "src/low/b.ts:1 -> runtime/types.ts: low-alone [only `import type` is allowed] (test)",
    ]);
    expect(fileCycles(synthetic, graph)).toEqual([
      "2 files: src/high/b.ts, src/low/a.ts",
      "2 files: src/ring/x.ts, src/ring/y.ts",
    ]);
    expect(folderCycles(synthetic, graph)).toEqual([
      "src/high, src/low: src/low -> src/high (src/low/a.ts:1 -> src/high/b.ts); " +
      "src/high -> src/low (src/high/b.ts:1 -> src/low/a.ts)",
    ]);
  });

  it("groups files into layer units, a face's server side apart from its codec", () => {
    expect(unitOf("src/group/assignors/sticky.ts")).toBe("src/group");
    expect(unitOf("src/protocol/cbor/ops/produce.ts")).toBe("src/protocol/cbor");
    expect(unitOf("src/protocol/cbor/server/dispatch.ts")).toBe("src/protocol/cbor/server");
    expect(unitOf("src/version.ts")).toBe("src/version.ts");
    expect(unitOf("runtime/sim/world.ts")).toBe("runtime/sim");
  });

  it("applies mayNotImport with except, and leaves imports inside a unit alone", () => {
    const sources: Record<string, string> = {
      "src/a/one.ts": `import { two } from "./two.ts";\nimport { s } from "../secret/s.ts";`,
      "src/a/two.ts": `export const two = 2;`,
      "src/a/trusted/t.ts": `import { s } from "../../secret/s.ts";`,
      "src/secret/s.ts": `export const s = 1;`,
    };
    const graph = edgesOf(Object.keys(sources), (file) => sources[file]);
    const rules: LayerRule[] = [{
      name: "keep-out",
      from: ["src/a/"],
      except: ["src/a/trusted/"],
      mayNotImport: ["src/secret/"],
      why: "test",
    }];
    expect(ruleOffences(rules, graph)).toEqual([
      "src/a/one.ts:2 -> src/secret/s.ts: keep-out (test)",
    ]);
  });

  it("the real table catches the imports issue 10 names", () => {
    const sources: Record<string, string> = {
      "src/client/producer.ts": `import { partition } from "../broker/partitioner.ts";`,
      "src/group/validate.ts": `import { Runtime } from "../../runtime/types.ts";`,
      // Allowed in the target house: none of these may show up below.
      "src/group/ok.ts": `import type { Runtime } from "../../runtime/types.ts";`,
      "src/client/ok.ts": `import { produce } from "../protocol/cbor/ops/produce.ts";`,
      "src/protocol/cbor/server/ok.ts": `import { Broker } from "../../../broker/broker.ts";`,
      "src/server/ok.ts": `import { MemoryFileSystem } from "../../runtime/memory/memory-fs.ts";`,
      "src/model/ok.ts": `import { groupIdOk } from "./names.ts";`,
      "src/protocol/cbor/ops/fetch.ts": `import { X } from "../server/handlers.ts";`,
      "src/http/app.ts": `import { frame } from "../protocol/cbor/frame.ts";`,
      "src/log/segment.ts": `import type { Broker } from "../broker/broker.ts";`,
      "src/server/start-broker.ts":
        `import { MemoryFileSystem } from "../../runtime/sim/memory-fs.ts";`,
      "src/broker/open.ts": `import { MemoryFileSystem } from "../../runtime/memory/memory-fs.ts";`,
    };
    const graph = edgesOf(Object.keys(sources), (file) => sources[file]);
    const withoutWhy = (line: string): string => {
      const rule = LAYER_RULES.find((r) => line.endsWith(` (${r.why})`));
      return rule === undefined ? line : line.slice(0, -` (${rule.why})`.length);
    };
    const hits = ruleOffences(LAYER_RULES, graph).map(withoutWhy);
    expect(hits).toEqual([
      "src/client/producer.ts:1 -> src/broker/partitioner.ts: client-without-server",
      "src/group/validate.ts:1 -> runtime/types.ts: sans-io-state-machines [only `import type` is allowed]",
      "src/protocol/cbor/ops/fetch.ts:1 -> src/protocol/cbor/server/handlers.ts: codec-without-server",
      "src/http/app.ts:1 -> src/protocol/cbor/frame.ts: faces-apart",
      "src/log/segment.ts:1 -> src/broker/broker.ts (type-only): log-stands-alone",
      "src/server/start-broker.ts:1 -> runtime/sim/memory-fs.ts: no-sim-in-src",
      "src/broker/open.ts:1 -> runtime/memory/memory-fs.ts: memory-fs-in-composition",
      "src/broker/open.ts:1 -> runtime/memory/memory-fs.ts: broker-over-storage",
    ]);
  });
});
