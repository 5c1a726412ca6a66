// A GroupClient backed by a GroupCoordinator in this process: the consumer's membership and
// commits run against the real coordinator logic, without a broker-side group service. Deadlines
// are ticked before every operation (an expired member is gone either way). Heartbeats of one
// member can be blocked, to play a consumer that stopped without leaving.
import type { GroupClient } from "../../../src/client/group-client.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { GroupCoordinator } from "../../../src/group/mod.ts";
import type {
  ConsumerGroupHeartbeatRequestBody,
  ConsumerGroupHeartbeatResponseBody,
} from "../../../src/protocol/cbor/ops/consumer-group-heartbeat.ts";
import type { OffsetCommitRequestBody } from "../../../src/protocol/cbor/ops/offset-commit.ts";
import type {
  OffsetFetchEntry,
  OffsetFetchRequestBody,
} from "../../../src/protocol/cbor/ops/offset-fetch.ts";

export interface InProcessGroup {
  readonly coordinator: GroupCoordinator;
  /** A client; `name` lets a test block it later. */
  client(name: string): GroupClient;
  /** Its heartbeats fail with a retriable error until unblocked (commits still go through). */
  block(name: string): void;
  unblock(name: string): void;
  /** Every request made, in order: "name op epoch". */
  readonly log: string[];
}

export function inProcessGroup(partitionCounts: Record<string, number>): InProcessGroup {
  let nextId = 1;
  const coordinator = new GroupCoordinator({
    newMemberId: () => `member-${nextId++}`,
    partitionCounts: Object.entries(partitionCounts),
    config: { heartbeatIntervalMs: 100 },
  });
  const blocked = new Set<string>();
  const log: string[] = [];
  const now = () => {
    const nowMs = Date.now();
    coordinator.tick(nowMs);
    return nowMs;
  };
  // Like the broker: one operation at a time, answered on a later turn of the event loop.
  const answer = <T>(f: () => T): Promise<T> =>
    new Promise((resolve, reject) => {
      setTimeout(() => {
        try {
          resolve(f());
        } catch (err) {
          reject(err);
        }
      }, 1);
    });
  return {
    coordinator,
    log,
    block: (name) => void blocked.add(name),
    unblock: (name) => void blocked.delete(name),
    client: (name) => ({
      heartbeat: (body: ConsumerGroupHeartbeatRequestBody) =>
        answer((): ConsumerGroupHeartbeatResponseBody => {
          log.push(`${name} heartbeat ${body.memberEpoch}`);
          if (blocked.has(name)) throw new TributaryError("NETWORK_EXCEPTION", `${name} blocked`);
          return coordinator.heartbeat(body, now()).response;
        }),
      commit: (body: OffsetCommitRequestBody) =>
        answer(() => {
          log.push(`${name} commit ${body.memberEpoch}`);
          coordinator.commitOffsets(body, now());
        }),
      fetchOffsets: (body: OffsetFetchRequestBody) =>
        answer((): OffsetFetchEntry[] => {
          const partitions = body.topics?.map((t) => ({
            topic: t.topic,
            partitions: t.partitions ?? [],
          }));
          return coordinator.fetchOffsets({ ...body, partitions }, now()).map((o) => ({
            ...o,
            highWatermark: null,
            lag: null,
          }));
        }),
    }),
  };
}
