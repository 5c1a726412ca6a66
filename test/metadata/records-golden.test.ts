// Golden bytes of every metadata record type and version. The pre-issue-11 fixtures were pinned
// from the encoder as it was before the cluster records came: existing data directories hold
// exactly those bytes, so they must decode to the same records and encode back identically.
// TRIBUTARY_UPDATE_GOLDEN=1 writes fixtures that are missing (never rewrites an existing one).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from "../../src/metadata/records.ts";
import { parseHex } from "../fixtures/record-batch/hex.ts";
import { RECORD_SAMPLES } from "./record-samples.ts";

const fixturesUrl = new URL("../fixtures/metadata-records/", import.meta.url);
const update = process.env.TRIBUTARY_UPDATE_GOLDEN === "1";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fixture(name: string, record: MetadataRecord, bytes: Uint8Array): Uint8Array {
  const url = new URL(`${name}.hex`, fixturesUrl);
  if (!existsSync(url) && update) {
    const lines = hex(bytes).match(/.{1,64}/g) ?? [];
    writeFileSync(url, `# ${record.type} ${JSON.stringify(record)}\n${lines.join("\n")}\n`);
  }
  return parseHex(readFileSync(url, "utf8"));
}

describe("metadata record golden bytes", () => {
  for (const { fixture: name, record } of RECORD_SAMPLES) {
    it(`${name}: encodes to the fixture and decodes back`, () => {
      const bytes = encodeMetadataRecord(record);
      const golden = fixture(name, record, bytes);
      expect(hex(bytes)).toBe(hex(golden));
      expect(decodeMetadataRecord(golden)).toEqual(record);
    });
  }

  it("encode does not depend on the order the writer listed the fields in", () => {
    for (const { record } of RECORD_SAMPLES) {
      const reversed = Object.fromEntries(Object.entries(record).reverse()) as MetadataRecord;
      expect(hex(encodeMetadataRecord(reversed))).toBe(hex(encodeMetadataRecord(record)));
    }
  });

  it("every record type has a fixture", () => {
    const types = new Set(RECORD_SAMPLES.map((s) => s.record.type));
    expect([...types].sort()).toEqual([
      "BrokerRegistrationChangeRecord",
      "ClusterIdRecord",
      "ConfigRecord",
      "PartitionChangeRecord",
      "PartitionRecord",
      "ProducerIdsRecord",
      "RegisterBrokerRecord",
      "RemoveTopicRecord",
      "TopicRecord",
      "UnregisterBrokerRecord",
    ]);
  });
});
