// The groups command's pure parts: tables, the describe layout, --to-datetime parsing, and
// usage mistakes caught before any request is sent.
import { describe, expect, it } from "vitest";
import { describeText, parseDatetime } from "../../src/cli/groups.ts";
import { formatTable } from "../../src/cli/table.ts";
import { UsageError } from "../../src/args/args.ts";

describe("formatTable", () => {
  it("pads columns to the widest cell, prints null as -, trims line ends", () => {
    expect(formatTable(["A", "LONG-HEADER", "C"], [["xx", 1, null], ["y", null, "last"]])).toBe(
      "A   LONG-HEADER  C\n" +
        "xx  1            -\n" +
        "y   -            last\n",
    );
  });
});

describe("groups describe layout", () => {
  it("lists members with assignments, then every partition with committed, HW, lag, owner", () => {
    const text = describeText(
      {
        groupId: "billing",
        state: "stable",
        epoch: 3,
        assignor: "sticky",
        members: [{
          memberId: "m1",
          instanceId: null,
          clientId: "cli",
          state: "stable",
          memberEpoch: 3,
          subscribedTopics: ["orders"],
          sessionTimeoutMs: 45_000,
          rebalanceTimeoutMs: 300_000,
          assignment: [{ topic: "orders", partitions: [0, 1] }],
          pendingRevocation: [],
          targetAssignment: [{ topic: "orders", partitions: [0, 1] }],
        }],
      },
      [
        offset("orders", 0, 40, 100),
        offset("orders", 1, null, 7),
        offset("orders", 2, 5, 5),
      ],
    );
    expect(text).toBe(
      "Group billing: state stable, epoch 3, assignor sticky, 1 member\n\n" +
        "MEMBER  INSTANCE  CLIENT  EPOCH  STATE   ASSIGNED\n" +
        "m1      -         cli     3      stable  orders:0,1\n\n" +
        "TOPIC   PARTITION  COMMITTED  HIGH-WATERMARK  LAG  MEMBER\n" +
        "orders  0          40         100             60   m1\n" +
        "orders  1          -          7               -    m1\n" +
        "orders  2          5          5               0    -\n",
    );
  });
});

describe("--to-datetime", () => {
  it("takes ISO 8601 dates and date-times with zones", () => {
    expect(parseDatetime("2024-05-01T12:00:00Z")).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseDatetime("2024-05-01T12:00:00.250+02:00")).toBe(
      Date.UTC(2024, 4, 1, 10, 0, 0, 250),
    );
    expect(parseDatetime("2024-05-01")).toBe(Date.UTC(2024, 4, 1));
  });

  it("refuses anything else as a usage error", () => {
    for (const bad of ["yesterday", "1714564800000", "2024-13-01", "2024-05-01 12:00", ""]) {
      expect(() => parseDatetime(bad), bad).toThrow(UsageError);
    }
  });
});

function offset(topic: string, partition: number, committed: number | null, hw: number) {
  return {
    topic,
    partition,
    offset: committed,
    leaderEpoch: null,
    metadata: null,
    commitTimestampMs: null,
    highWatermark: hw,
    lag: committed === null ? null : Math.max(0, hw - committed),
  };
}
