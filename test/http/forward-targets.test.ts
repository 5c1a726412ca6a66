// Where forwarded requests go, from a broker's metadata (src/http/forward-targets.ts).
import { describe, expect, it } from "vitest";
import { httpBaseUrl, leaderTargets } from "../../src/http/forward-targets.ts";
import type { BrokerEndpoint, BrokerMetadata } from "../../src/model/descriptions.ts";

function broker(leaders: Record<string, number[]>, brokers: BrokerEndpoint[]) {
  return {
    nodeId: 1,
    metadata: (topics?: string[]): BrokerMetadata => ({
      clusterId: "c",
      controllerId: 1,
      brokers,
      topics: Object.entries(leaders).filter(([name]) => topics?.includes(name) ?? true).map((
        [name, byPartition],
      ) => ({
        name,
        internal: name.startsWith("__"),
        configs: {},
        partitions: byPartition.map((leader, partition) => ({
          partition,
          leader,
          leaderEpoch: 0,
          replicas: [leader],
          isr: [leader],
          logStartOffset: 0,
          highWatermark: 0,
          sizeBytes: 0,
        })),
      })),
    }),
  };
}

const brokers: BrokerEndpoint[] = [
  { nodeId: 1, host: "10.0.0.1", port: 9093, httpPort: 8080 },
  { nodeId: 2, host: "10.0.0.2", port: 9093, httpPort: 8081 },
  { nodeId: 3, host: "::1", port: 9093, httpPort: 8082 },
  { nodeId: 4, host: "10.0.0.4", port: 9093 },
];

describe("leaderTargets", () => {
  it("names the leader's HTTP listener, or null when this broker should answer", () => {
    const targets = leaderTargets(broker({ t: [1, 2, 3, 4, -1] }, brokers));
    expect(targets.forwardTarget("t", 0)).toBeNull(); // led here
    expect(targets.forwardTarget("t", 1)).toBe("http://10.0.0.2:8081");
    expect(targets.forwardTarget("t", 2)).toBe("http://[::1]:8082");
    expect(targets.forwardTarget("t", 3)).toBeNull(); // no HTTP listener: NOT_LEADER here
    expect(targets.forwardTarget("t", 4)).toBeNull(); // no leader: LEADER_NOT_AVAILABLE here
    expect(targets.forwardTarget("t", 5)).toBeNull(); // no such partition
    expect(targets.forwardTarget("missing", 0)).toBeNull();
  });

  it("sends a group to the leader of its __consumer_offsets partition", () => {
    const meta = broker({ __consumer_offsets: [1, 2] }, brokers);
    const groups = { offsetsPartitionOf: (g: string) => (g === "a" ? 0 : 1) };
    const targets = leaderTargets(meta, groups);
    expect(targets.coordinatorTarget("a")).toBeNull();
    expect(targets.coordinatorTarget("b")).toBe("http://10.0.0.2:8081");
    expect(leaderTargets(meta).coordinatorTarget("b")).toBeNull(); // no group service here
  });

  it("brackets IPv6 hosts", () => {
    expect(httpBaseUrl({ host: "fe80::1" }, 80)).toBe("http://[fe80::1]:80");
    expect(httpBaseUrl({ host: "broker-1.lan" }, 8080)).toBe("http://broker-1.lan:8080");
  });
});
