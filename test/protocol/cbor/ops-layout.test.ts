// One file per operation (src/protocol/cbor/ops/<op-name>.ts) and one table naming them: these
// checks keep the layout a new operation follows, and keep docs/protocol.md §6 and the code
// agreeing on every operation's code and versions.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Op, type OpName } from "../../../src/protocol/cbor/op-codes.ts";
import { OP_VERSIONS, OPS } from "../../../src/protocol/cbor/ops/index.ts";

const opsDir = new URL("../../../src/protocol/cbor/ops/", import.meta.url);
const docUrl = new URL("../../../docs/protocol.md", import.meta.url);

/** "ConsumerGroupHeartbeat" -> "consumer-group-heartbeat". */
function fileNameOf(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "-") + c.toLowerCase());
}

const names = Object.keys(Op) as OpName[];

describe("CBOR operations layout", () => {
  it("every operation code has its own file in ops/ and a row in the table", () => {
    expect(Object.keys(OPS)).toEqual(names);
    for (const name of names) {
      const file = new URL(`${fileNameOf(name)}.ts`, opsDir);
      expect(existsSync(file), `ops/${fileNameOf(name)}.ts`).toBe(true);
      const source = readFileSync(file, "utf8");
      expect(source.startsWith(`// ${name} (op ${Op[name]})`), `header of ${name}`).toBe(true);
      expect(source, `grammar in ${name}`).toMatch(/\/\/ {3}request v1 += /);
      expect(source, `grammar in ${name}`).toMatch(/\/\/ {3}response v1 += /);
    }
  });

  it("each request validator's versions are the versions the operation serves", () => {
    for (const name of names) {
      const { min, max } = OP_VERSIONS[name];
      const served = Object.keys(OPS[name].requestValidators).map(Number);
      const range = Array.from({ length: max - min + 1 }, (_, i) => min + i);
      expect(served, name).toEqual(range);
    }
  });

  it("docs/protocol.md §6 gives every operation the code and versions the code base serves", () => {
    const doc = readFileSync(docUrl, "utf8");
    const headings = [...doc.matchAll(/^### 6\.\d+ (\w+) \(op (\d+), v(\d+)\)$/gm)];
    const documented = headings.map(([, name, code, version]) => ({ name, code, version }));
    const served = names.map((name) => ({
      name,
      code: String(Op[name]),
      version: String(OP_VERSIONS[name].max),
    }));
    expect(documented).toEqual(served);
  });
});
