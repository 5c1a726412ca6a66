// consumer-options.ts: every fetch and poll default, and that explicit values win.
import { describe, expect, it } from "vitest";
import { fetchSettings } from "../../../src/client/consumer-options.ts";

describe("fetchSettings", () => {
  it("fills in Kafka-like defaults", () => {
    expect(fetchSettings({ bootstrap: "x:1" })).toEqual({
      autoOffsetReset: "latest",
      fetchMaxWaitMs: 500,
      fetchMinBytes: 1,
      fetchMaxBytes: 8 * 1024 * 1024,
      partitionFetchBytesMax: 1024 * 1024,
      bufferedRecordsMax: 20_000,
      maxPollRecords: 500,
      retryBackoffMs: 100,
      retries: 10,
    });
  });

  it("keeps what the caller set, including zero, and drops cluster and group options", () => {
    const settings = fetchSettings({
      bootstrap: "x:1",
      groupId: "g",
      autoOffsetReset: "none",
      fetchMaxWaitMs: 0,
      fetchMinBytes: 0,
      maxPollRecords: 7,
    });
    expect(settings).toMatchObject({
      autoOffsetReset: "none",
      fetchMaxWaitMs: 0,
      fetchMinBytes: 0,
      maxPollRecords: 7,
    });
    expect(settings).not.toHaveProperty("groupId");
    expect(settings).not.toHaveProperty("bootstrap");
  });
});
