// The consumer group of the cluster simulation: two or three members of one group (the real
// client Consumer with a groupId, over CBOR) read the topic while faults play and commit what
// they read (acks=all on __consumer_offsets, RF 3), the coordinator moving with that topic's
// leadership. After each commit acknowledgement the group's offsets are read back (OffsetFetch
// through Admin) for the checker: they must never go backwards. Every record a member reads goes
// to the checker like any other consumer's. A member whose polls keep failing (fenced, removed
// from the group) is replaced by a new one, as an application would restart it.
import type { Runtime } from "../../../runtime/types.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { type ClusterChecker, tpKey } from "./cluster-checker.ts";
import { messageOf } from "./sim-cluster.ts";

export const GROUP = "sim-group";
const utf8 = new TextDecoder();
/** Polls failing in a row before the member is replaced. */
const POLL_FAILURES_MAX = 5;
/** A member's close (leaving the group) may take this long before it is abandoned. */
const CLOSE_MS_MAX = 5_000;
const MEMBER_STARTS_MAX = 200;

export interface GroupStats {
  members: number;
  consumed: number;
  commits: number;
  commitFailures: number;
  readBacks: number;
  /** Members replaced after their polls kept failing. */
  replaced: number;
}

export function noGroupStats(): GroupStats {
  return { members: 0, consumed: 0, commits: 0, commitFailures: 0, readBacks: 0, replaced: 0 };
}

export interface GroupPlan {
  bootstrap: string;
  topic: string;
  members: number;
  checker: ClusterChecker;
  stats: GroupStats;
  stopped: () => boolean;
  /** Commits and read-backs, for the failure report. */
  log: (line: string) => void;
}

/** Runs the members until stopped(); returns when every member is closed. */
export async function runGroup(rt: Runtime, plan: GroupPlan): Promise<void> {
  const admin = new Admin(rt, { bootstrap: plan.bootstrap, requestTimeoutMs: 3_000 });
  const readBack = async () => {
    const offsets = await admin.fetchOffsets(GROUP, [plan.topic]).catch(() => null);
    if (offsets === null) return;
    plan.stats.readBacks++;
    plan.log(`group: read back ${offsets.map((o) => `${o.partition}@${o.offset}`).join(" ")}`);
    for (const o of offsets) {
      if (o.offset !== null) plan.checker.groupCommitted(tpKey(o.topic, o.partition), o.offset);
    }
  };
  const member = async (index: number) => {
    for (let start = 0; start < MEMBER_STARTS_MAX && !plan.stopped(); start++) {
      plan.stats.members++;
      if (start > 0) plan.stats.replaced++;
      const consumer = new Consumer(rt, {
        bootstrap: plan.bootstrap,
        clientId: `member-${index}`,
        groupId: GROUP,
        topics: [plan.topic],
        enableAutoCommit: false,
        autoOffsetReset: "earliest",
        sessionTimeoutMs: 6_000,
        requestTimeoutMs: 3_000,
        fetchMaxWaitMs: 200,
      });
      await consume(consumer, `member-${index}.${start}`);
      await Promise.race([consumer.close().catch(() => {}), rt.timers.sleep(CLOSE_MS_MAX)]);
    }
  };
  const consume = async (consumer: Consumer, name: string) => {
    for (let failures = 0; failures < POLL_FAILURES_MAX && !plan.stopped();) {
      let records;
      try {
        records = await consumer.poll({ timeoutMs: 500 });
        failures = 0;
      } catch {
        // Expected under faults (no coordinator, fenced after a session expiry): retried, and
        // the member is replaced when it keeps failing.
        failures++;
        await rt.timers.sleep(100);
        continue;
      }
      if (records.length === 0) continue;
      const next = new Map<number, number>();
      for (const r of records) {
        plan.stats.consumed++;
        const value = r.value === null ? "<null>" : utf8.decode(r.value);
        plan.checker.consumed(tpKey(r.topic, r.partition), r.offset, value);
        next.set(r.partition, r.offset + 1);
      }
      const offsets = [...next].map(([partition, offset]) => ({
        topic: plan.topic,
        partition,
        offset,
      }));
      const what = offsets.map((o) => `${o.partition}@${o.offset}`).join(" ");
      const epoch = consumer.groupMetadata()?.memberEpoch;
      try {
        await consumer.commit(offsets);
        plan.stats.commits++;
        plan.log(`group: ${name} (epoch ${epoch}) committed ${what}`);
      } catch (err) {
        plan.stats.commitFailures++;
        plan.log(`group: ${name} (epoch ${epoch}) failed to commit ${what}: ${messageOf(err)}`);
        continue;
      }
      await readBack();
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.members }, (_, i) => member(i)));
  } finally {
    await admin.close();
  }
}

/** The group's committed offsets as its coordinator answers now (null: no answer). */
export async function groupOffsets(
  rt: Runtime,
  bootstrap: string,
  topic: string,
): Promise<Map<number, number> | null> {
  const admin = new Admin(rt, { bootstrap, requestTimeoutMs: 3_000 });
  try {
    const offsets = await admin.fetchOffsets(GROUP, [topic]);
    const out = new Map<number, number>();
    for (const o of offsets) if (o.offset !== null) out.set(o.partition, o.offset);
    return out;
  } catch {
    return null;
  } finally {
    await admin.close();
  }
}
