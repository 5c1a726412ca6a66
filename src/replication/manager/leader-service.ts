// The partition leader's side of replication (ReplicaService): follower fetches and
// OffsetForLeaderEpoch. A fetch is fenced by its leader epoch, moves the follower's progress
// (and so maybe the HW and the ISR), then reads the stored bytes. At the log end with fewer
// than minBytes to send it parks up to maxWaitMs, woken by a local append, an HW move or a
// role change; the number parked is bounded (past it a fetch is answered at once).
import type {
  EpochEndQuery,
  EpochEndReply,
  ReplicaFetchPartition,
  ReplicaFetchPartitionReply,
  ReplicaFetchReply,
  ReplicaFetchRequest,
} from "../../model/cluster.ts";
import type { ErrorCodeName } from "../../model/errors.ts";
import { containIn } from "./boundary.ts";
import { afterLeaderChange, checkIsr, syncLocalEnd } from "./leader-isr.ts";
import { type ManagerCore, nowMs } from "./manager-core.ts";
import { partitionId } from "./partition-key.ts";
import type { LeaderRole, Slot } from "./slot.ts";

/** However long a follower asks to wait, a parked fetch ends by then. */
const FETCH_WAIT_MS_MAX = 30_000;

type Admitted =
  | { ok: true; asked: ReplicaFetchPartition; slot: Slot; role: LeaderRole }
  | { ok: false; reply: ReplicaFetchPartitionReply };

export async function serveFetch(
  core: ManagerCore,
  request: ReplicaFetchRequest,
): Promise<ReplicaFetchReply> {
  const now = nowMs(core);
  const admitted = request.partitions.map((p) => admitGuarded(core, request.replicaId, p, now));
  let replies = await readAll(admitted, request.maxBytes);
  const bytes = replies.reduce((sum, r) => sum + r.records.length, 0);
  const anyError = replies.some((r) => r.error !== null);
  if (
    bytes < request.minBytes && !anyError && request.maxWaitMs > 0 && !core.closed &&
    core.parkedFetches < core.config.parkedFetchesMax
  ) {
    const slots = admitted.flatMap((a) => (a.ok ? [a.slot] : []));
    await park(core, slots, Math.min(request.maxWaitMs, FETCH_WAIT_MS_MAX));
    replies = await readAll(admitted, request.maxBytes);
  }
  return { partitions: replies };
}

/** admit() and the ISR check after it, inside the partition's invariant boundary. */
function admitGuarded(
  core: ManagerCore,
  replicaId: number,
  asked: ReplicaFetchPartition,
  now: number,
): Admitted {
  const slot = core.slots.get(partitionId(asked.topic, asked.partition));
  try {
    const admitted = admit(core, replicaId, asked, now);
    if (admitted.ok) checkIsr(core, admitted.slot, admitted.role);
    return admitted;
  } catch (err) {
    if (slot === undefined) throw err;
    containIn(core, slot, err);
    return refused(asked, "KAFKA_STORAGE_ERROR", slot);
  }
}

function admit(
  core: ManagerCore,
  replicaId: number,
  asked: ReplicaFetchPartition,
  now: number,
): Admitted {
  const slot = core.slots.get(partitionId(asked.topic, asked.partition));
  const role = slot?.role;
  if (slot === undefined || role?.kind !== "leader" || role.resigned || core.closed) {
    return refused(asked, "NOT_LEADER_OR_FOLLOWER", slot);
  }
  syncLocalEnd(core, slot, role);
  const { state } = role;
  if (
    asked.currentLeaderEpoch === state.leaderEpoch && asked.fetchOffset < slot.log.logStartOffset
  ) {
    return refused(asked, "OFFSET_OUT_OF_RANGE", slot);
  }
  const outcome = state.updateFollower(
    { replicaId, leaderEpoch: asked.currentLeaderEpoch, fetchOffset: asked.fetchOffset },
    now,
  );
  if (!outcome.ok) return refused(asked, outcome.code, slot);
  if (outcome.highWatermarkMoved) afterLeaderChange(core, slot, role);
  return { ok: true, asked, slot, role };
}

function refused(
  asked: ReplicaFetchPartition,
  code: ErrorCodeName,
  slot: Slot | undefined,
): Admitted {
  return { ok: false, reply: refusal(asked, code, slot) };
}

function refusal(
  asked: ReplicaFetchPartition,
  code: ErrorCodeName,
  slot: Slot | undefined,
): ReplicaFetchPartitionReply {
  return {
    topic: asked.topic,
    partition: asked.partition,
    error: { code, message: `replica fetch refused: ${code}` },
    highWatermark: -1,
    logStartOffset: slot?.log.logStartOffset ?? -1,
    logEndOffset: slot?.log.logEndOffset ?? -1,
    records: new Uint8Array(0),
  };
}

async function readAll(
  admitted: readonly Admitted[],
  bytesMax: number,
): Promise<ReplicaFetchPartitionReply[]> {
  let budget = Math.max(1, bytesMax);
  const replies: ReplicaFetchPartitionReply[] = [];
  for (const item of admitted) {
    if (!item.ok) {
      replies.push(item.reply);
      continue;
    }
    const { asked, slot, role } = item;
    if (slot.role !== role || role.resigned) {
      replies.push(refusal(asked, "NOT_LEADER_OR_FOLLOWER", slot));
      continue;
    }
    const records = budget > 0 ? await slot.log.read(asked.fetchOffset, budget) : new Uint8Array(0);
    budget -= records.length;
    replies.push({
      topic: asked.topic,
      partition: asked.partition,
      error: null,
      highWatermark: role.state.highWatermark,
      logStartOffset: slot.log.logStartOffset,
      logEndOffset: slot.log.logEndOffset,
      records,
    });
  }
  return replies;
}

/** Waits until one of slots wakes, waitMs passes or the manager closes. */
function park(core: ManagerCore, slots: readonly Slot[], waitMs: number): Promise<void> {
  core.parkedFetches++;
  core.counters.fetchesParkedTotal++;
  return new Promise((resolve) => {
    let done = false;
    let unsubscribe = () => {};
    const finish = () => {
      if (done) return;
      done = true;
      core.parkedFetches--;
      timer.cancel();
      unsubscribe();
      for (const slot of slots) slot.wakers.delete(finish);
      resolve();
    };
    const timer = core.timers.setTimeout(finish, waitMs);
    for (const slot of slots) slot.wakers.add(finish);
    unsubscribe = core.closeSignal.onClose(finish);
  });
}

export function serveEpochEnd(
  core: ManagerCore,
  replicaId: number,
  queries: readonly EpochEndQuery[],
): EpochEndReply[] {
  return queries.map((q) => {
    const slot = core.slots.get(partitionId(q.topic, q.partition));
    const role = slot?.role;
    if (slot === undefined || role?.kind !== "leader" || role.resigned || core.closed) {
      return epochError(q, "NOT_LEADER_OR_FOLLOWER");
    }
    syncLocalEnd(core, slot, role);
    const answer = role.state.endOffsetFor({
      replicaId,
      currentLeaderEpoch: q.currentLeaderEpoch,
      leaderEpoch: q.leaderEpoch,
    });
    if ("code" in answer) return epochError(q, answer.code);
    return {
      topic: q.topic,
      partition: q.partition,
      error: null,
      leaderEpoch: answer.epoch,
      endOffset: answer.endOffset,
    };
  });
}

function epochError(q: EpochEndQuery, code: ErrorCodeName): EpochEndReply {
  return {
    topic: q.topic,
    partition: q.partition,
    error: { code, message: `OffsetForLeaderEpoch refused: ${code}` },
    leaderEpoch: -1,
    endOffset: -1,
  };
}
