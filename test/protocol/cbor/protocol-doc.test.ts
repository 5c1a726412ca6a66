// docs/protocol.md is the contract client authors outside this repository work from, so the
// facts it states are checked against the code here: the golden frames it publishes (byte for
// byte the fixtures), the error table (src/model/errors.ts), the limits, and the worked examples.
//
// After an intended change of the fixtures, regenerate the doc's golden frames section with
//   TRIBUTARY_UPDATE_GOLDEN=1 npx vitest run test/protocol/cbor/golden.test.ts test/protocol/cbor/protocol-doc.test.ts
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FETCH_PARTITIONS_MAX } from "../../../src/model/limits.ts";
import { OFFSETS_TOPIC_PARTITIONS_DEFAULT } from "../../../src/coordinator/offsets-topic.ts";
import { offsetsPartitionFor } from "../../../src/coordinator/offsets-partition.ts";
import { ErrorCode } from "../../../src/model/errors.ts";
import { FRAME_BYTES_MAX_DEFAULT } from "../../../src/protocol/cbor/frame.ts";
import { MESSAGE_LIMITS } from "../../../src/protocol/cbor/shape.ts";
import { PARTITION_MAX } from "../../../src/protocol/cbor/shape.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const docUrl = new URL("../../../docs/protocol.md", import.meta.url);
const fixturesUrl = new URL("../../fixtures/protocol/", import.meta.url);
const update = process.env.TRIBUTARY_UPDATE_GOLDEN === "1";

/** The order in which the doc publishes the fixtures; every fixture file must be listed. */
const PUBLISHED = [
  "api-versions-request",
  "metadata-request",
  "metadata-response",
  "produce-request",
  "produce-response",
  "fetch-request",
  "fetch-response",
  "list-offsets-request",
  "consumer-group-heartbeat-request",
  "consumer-group-heartbeat-response",
  "offset-commit-request",
  "error-response",
  "connection-error",
];

const BEGIN = "<!-- golden-frames:begin (generated from test/fixtures/protocol; do not edit) -->";
const END = "<!-- golden-frames:end -->";

function fixtureText(name: string): string {
  return readFileSync(new URL(`${name}.hex`, fixturesUrl), "utf8");
}

/** The doc's golden frames section: each fixture verbatim, headed by its name. */
function goldenSection(): string {
  const parts = PUBLISHED.map((name) => {
    const text = fixtureText(name);
    const bytes = parseHex(text).byteLength;
    return `#### \`${name}.hex\` (${bytes} bytes)\n\n\`\`\`\n${text.trimEnd()}\n\`\`\``;
  });
  return `${BEGIN}\n\n${parts.join("\n\n")}\n\n${END}`;
}

function readDoc(): string {
  return readFileSync(docUrl, "utf8");
}

/** The section of the doc under a heading, up to the next heading of the same or higher level. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const level = heading.match(/^#+/)?.[0].length ?? 2;
  const rest = doc.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

describe("docs/protocol.md", () => {
  it("publishes every golden fixture, verbatim, in its golden frames section", () => {
    const files = readdirSync(fixturesUrl).filter((f) => f.endsWith(".hex")).map((f) =>
      f.slice(0, -4)
    );
    expect([...PUBLISHED].sort()).toEqual(files.sort());
    let doc = readDoc();
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, "golden frames markers").toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    if (update) {
      doc = doc.slice(0, start) + goldenSection() + doc.slice(end + END.length);
      writeFileSync(docUrl, doc);
    }
    expect(doc.slice(start, doc.indexOf(END) + END.length)).toBe(goldenSection());
    // And byte for byte, read the way a client author would read the dumps.
    for (const name of PUBLISHED) {
      const heading = doc.indexOf(`#### \`${name}.hex\``);
      const block = doc.slice(heading).split("```")[1];
      expect(Array.from(parseHex(block)), name).toEqual(Array.from(parseHex(fixtureText(name))));
    }
  });

  it("the annotated dumps elsewhere in the text match their fixtures byte for byte", () => {
    const doc = readDoc();
    const marked = [...doc.matchAll(/<!-- golden: ([a-z-]+) -->\n+```\n([\s\S]*?)```/g)];
    expect(marked.map((m) => m[1])).toEqual(["produce-request", "produce-response"]);
    for (const [, name, block] of marked) {
      expect(Array.from(parseHex(block)), name).toEqual(Array.from(parseHex(fixtureText(name))));
    }
  });

  it("lists every error code the server can send, with its Kafka code and retriability", () => {
    const table = section(readDoc(), "## 8. Errors");
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \| (yes|no) \|$/gm)].map((
      [, code, kafka, retriable],
    ) => [code, kafka.trim(), retriable]);
    const expected = Object.entries(ErrorCode).map(([code, e]) => [
      code,
      e.kafka === -1 && code !== "UNKNOWN_SERVER_ERROR" ? "— (Tributary)" : String(e.kafka),
      e.retriable ? "yes" : "no",
    ]);
    expect(rows.sort()).toEqual(expected.sort());
  });

  it("states the limits the server enforces", () => {
    const limits = section(readDoc(), "## 9. Limits");
    const n = (x: number) => x.toLocaleString("en-US");
    expect(limits).toContain(`| partitions in one Fetch | ${n(FETCH_PARTITIONS_MAX)} |`);
    expect(limits).toContain(
      `| entries in any list, or in a configs map | ${n(MESSAGE_LIMITS.listLengthMax)} |`,
    );
    expect(limits).toContain(
      `| characters in any text field | ${n(MESSAGE_LIMITS.textLengthMax)} |`,
    );
    expect(limits).toContain(`≤ ${n(MESSAGE_LIMITS.fetchWaitMsMax)} requested`);
    expect(limits).toContain(
      `| \`timeoutMs\` (Produce) | ≤ ${n(MESSAGE_LIMITS.produceTimeoutMsMax)} |`,
    );
    expect(limits).toContain(`${n(FRAME_BYTES_MAX_DEFAULT)} bytes by default`);
    expect(limits).toContain(`| partition numbers | 0 to ${n(PARTITION_MAX)} |`);
  });

  it("computes the FindCoordinator example's offsetsPartition with Kafka's rule", () => {
    const example = section(readDoc(), "### 6.12 FindCoordinator (op 20, v1)");
    const groupId = /\[20, 1, \d+, \{"groupId": "([^"]+)"\}\]/.exec(example)?.[1];
    const shown = Number(/"offsetsPartition": (\d+)/.exec(example)?.[1]);
    expect(groupId).toBe("billing");
    expect(OFFSETS_TOPIC_PARTITIONS_DEFAULT).toBe(10);
    expect(offsetsPartitionFor("billing", OFFSETS_TOPIC_PARTITIONS_DEFAULT)).toBe(9);
    expect(shown).toBe(offsetsPartitionFor(groupId ?? "", OFFSETS_TOPIC_PARTITIONS_DEFAULT));
  });
});
