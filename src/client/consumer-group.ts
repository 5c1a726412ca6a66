// The Consumer's group glue: the GroupSession it joins with a groupId, and the PartitionControl
// through which that session adds, pauses, resumes and removes partitions and reads positions.

import type { OffsetCommitEntry } from "../protocol/cbor/ops/offset-commit.ts";
import { TributaryError } from "../model/errors.ts";
import { type Assignment, newAssignment, tpKey } from "./assignment.ts";
import type { ClientRuntime, ClusterClient } from "./cluster.ts";
import type { ConsumerOptions } from "./consumer-options.ts";
import type { TopicPartition } from "./fetched-records.ts";
import { WireGroupClient } from "./group-client.ts";
import { GroupSession, type PartitionControl } from "./group-session.ts";
import type { OffsetResets } from "./offset-reset.ts";
import type { Positions } from "./positions.ts";

export function joinGroup(
  rt: ClientRuntime,
  cluster: ClusterClient,
  options: ConsumerOptions & { retryBackoffMs: number; control: PartitionControl },
): GroupSession {
  const groupId = options.groupId ?? "";
  const topics = options.topics ?? [];
  if (groupId === "" || topics.length === 0) {
    throw new TributaryError("INVALID_CONFIG", "a group consumer needs a groupId and topics");
  }
  const client = options.groupClient ?? new WireGroupClient(cluster, groupId);
  return new GroupSession(rt, client, {
    groupId,
    topics: [...new Set(topics)],
    instanceId: options.instanceId ?? null,
    clientId: cluster.clientId,
    sessionTimeoutMs: options.sessionTimeoutMs ?? null,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? null,
    assignor: options.assignor ?? null,
    enableAutoCommit: options.enableAutoCommit ?? true,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
    retryBackoffMs: options.retryBackoffMs,
    onPartitionsAssigned: options.onPartitionsAssigned,
    onPartitionsRevoked: options.onPartitionsRevoked,
    onPartitionsLost: options.onPartitionsLost,
  }, options.control);
}

export interface PartitionControlDeps {
  readonly positions: Positions;
  readonly resets: OffsetResets;
  startLoop(): void;
  report(err: unknown, fatal: boolean): void;
}

/** The fetch state as the group session drives it (see PartitionControl). */
export function partitionControl(deps: PartitionControlDeps): PartitionControl {
  const { positions } = deps;
  const each = (tps: TopicPartition[], f: (a: Assignment) => void) => positions.each(tps, f);
  return {
    add: (tps) => {
      for (const tp of tps) {
        const a = newAssignment(tp, "committed");
        a.active = false;
        positions.assigned.set(tpKey(tp), a);
      }
    },
    resolveCommitted: (tps) => {
      const list: Assignment[] = [];
      each(tps, (a) => void (a.reset === "committed" && list.push(a)));
      return deps.resets.resolveCommitted(list);
    },
    resume: (tps) => {
      each(tps, (a) => (a.active = true));
      deps.startLoop();
      positions.spaceFreed.notify();
    },
    pause: (tps) => {
      each(tps, (a) => {
        a.active = false;
        a.epoch++;
      });
      positions.dropStale();
    },
    remove: (tps) => {
      each(tps, (a) => {
        a.epoch++;
        positions.assigned.delete(tpKey(a.tp));
        positions.handedOut.delete(a);
      });
      positions.dropStale();
    },
    uncommitted: (kind, tps) => uncommitted(positions, kind, tps),
    markCommitted: (offsets) => {
      for (const o of offsets) {
        const a = positions.assigned.get(tpKey(o));
        if (a) a.committed = o.offset;
      }
    },
    markAllProcessed: () => {
      for (const a of positions.assigned.values()) a.processed = a.position;
      positions.handedOut.clear();
    },
    report: (err, fatal) => deps.report(err, fatal),
  };
}

function uncommitted(
  positions: Positions,
  kind: "processed" | "consumed",
  tps: TopicPartition[] | undefined,
): OffsetCommitEntry[] {
  const list = tps === undefined ? [...positions.assigned.values()] : [];
  if (tps !== undefined) positions.each(tps, (a) => list.push(a));
  const out: OffsetCommitEntry[] = [];
  for (const a of list) {
    const offset = kind === "processed" ? a.processed : a.position;
    if (offset !== null && offset !== a.committed) out.push({ ...a.tp, offset });
  }
  return out;
}
