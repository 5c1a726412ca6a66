// A follower replica's driving: building its FollowerReplicaState from the log, and carrying
// out the effects the state hands back, in order, under the slot's lock (truncate, reset,
// append durably, learn the HW, what to send next, backoff). A log operation that
// fails leaves the state ahead of the log, so the follower starts over from the log after a
// backoff; a log that failed for good takes the replica offline.
import { batchesIn, batchSizeAt, lastOffsetOf } from "../../log/batch-decode.ts";
import { type FollowerEffect, FollowerReplicaState } from "../follower-replica.ts";
import type { FetchedBatch } from "../messages.ts";
import { invariantViolationIn } from "../../model/invariant.ts";
import { containIn } from "./boundary.ts";
import { type ManagerCore, nowMs } from "./manager-core.ts";
import type { FollowerRole, Slot } from "./slot.ts";

export function newFollowerRole(
  core: ManagerCore,
  slot: Slot,
  leaderId: number,
  leaderEpoch: number,
): FollowerRole {
  const log = slot.log;
  const hw = Math.max(log.logStartOffset, Math.min(log.highWatermark, log.logEndOffset));
  const state = new FollowerReplicaState({
    localReplicaId: core.brokerId,
    leaderId,
    leaderEpoch,
    logStartOffset: log.logStartOffset,
    logEndOffset: log.logEndOffset,
    highWatermark: hw,
    epochs: log.epochEntries(),
  });
  return {
    kind: "follower",
    state,
    leaderId,
    next: null,
    notBeforeMs: 0,
    leaderLogEndOffset: -1,
    handover: null,
  };
}

/** Runs the state's first request (under the lock: it may truncate). */
export function startFollower(core: ManagerCore, slot: Slot, role: FollowerRole): Promise<void> {
  return runEffects(core, slot, role, () => role.state.start(), null);
}

/** The batches a fetch answer holds, and the bytes up to the end of the last whole one. */
export function fetchedBatches(
  records: Uint8Array,
): { batches: FetchedBatch[]; bytes: Uint8Array } {
  const batches: FetchedBatch[] = [];
  let end = 0;
  for (const { position, header } of batchesIn(records)) {
    batches.push({
      baseOffset: header.baseOffset,
      lastOffset: lastOffsetOf(header),
      leaderEpoch: header.partitionLeaderEpoch,
    });
    end = position + batchSizeAt(records, position);
  }
  return { batches, bytes: records.subarray(0, end) };
}

/**
 * Runs what step() returns, under the slot's lock, while role is still the slot's role.
 * `bytes` are the fetched batches an "append" effect writes.
 */
export function runEffects(
  core: ManagerCore,
  slot: Slot,
  role: FollowerRole,
  step: () => FollowerEffect[],
  bytes: Uint8Array | null,
): Promise<void> {
  return slot.lock.exclusive(async () => {
    if (slot.role !== role || core.closed) return;
    try {
      await runLocked(core, slot, role, step(), bytes);
    } catch (err) {
      if (invariantViolationIn(err) !== null) containIn(core, slot, err);
      else onLogError(core, slot, role, err);
    }
    settleHandover(core, slot, role);
    ensureNext(slot, role);
    core.pokeFetcher(role.leaderId);
  });
}

async function runLocked(
  core: ManagerCore,
  slot: Slot,
  role: FollowerRole,
  effects: readonly FollowerEffect[],
  bytes: Uint8Array | null,
): Promise<void> {
  const log = slot.log;
  for (const effect of effects) {
    if (slot.role !== role) return;
    switch (effect.kind) {
      case "send-epoch-end":
        role.next = { kind: "ask", request: effect.request };
        break;
      case "send-fetch":
        role.next = { kind: "fetch", request: effect.request };
        break;
      case "truncate":
        core.logger.info("replica.truncated", "follower cut its log where it diverges", {
          topic: slot.key.topic,
          partition: slot.key.partition,
          from: log.logEndOffset,
          to: effect.endOffset,
          leaderEpoch: role.state.leaderEpoch,
        });
        await log.truncateTo(effect.endOffset);
        role.handover?.onTruncate(effect.endOffset);
        break;
      case "reset":
        core.logger.info("replica.reset", "follower starts over at the leader's log start", {
          topic: slot.key.topic,
          partition: slot.key.partition,
          logStartOffset: effect.logStartOffset,
        });
        await log.resetTo(effect.logStartOffset);
        role.handover?.failAll("NOT_LEADER_OR_FOLLOWER");
        break;
      case "append":
        if (bytes === null) throw new Error("an append effect without fetched bytes");
        await log.appendReplicated(bytes);
        break;
      case "high-watermark":
        log.setHighWatermark(Math.min(effect.highWatermark, log.logEndOffset));
        role.handover?.onHighWatermark(Math.min(effect.highWatermark, log.logEndOffset));
        break;
      case "backoff":
        role.notBeforeMs = nowMs(core) + backoffMsFor(core, effect.reason);
        core.logger.debug("replica.fetch_backoff", "follower backs off", {
          topic: slot.key.topic,
          partition: slot.key.partition,
          reason: effect.reason,
        });
        role.next = null;
        break;
      case "truncate-below-hw":
        // Kafka does the same for a clean election (its follower warns "below high
        // watermark"): the local HW was learnt from a leader whose last in-sync copy lost it.
        core.counters.truncationsBelowHighWatermark++;
        core.logger.warn(
          "replica.truncated_below_hw",
          "follower cut records it counted committed: the leader does not have them",
          {
            topic: slot.key.topic,
            partition: slot.key.partition,
            from: log.logEndOffset,
            to: effect.endOffset,
            highWatermark: effect.highWatermark,
            leaderId: role.leaderId,
            leaderEpoch: role.state.leaderEpoch,
          },
        );
        await log.truncateTo(effect.endOffset);
        break;
    }
  }
}

/**
 * A leader that answers NOT_LEADER_OR_FOLLOWER or UNKNOWN_LEADER_EPOCH to a follower that already
 * names it leader has not applied that metadata yet, which it does within a metadata round trip:
 * its followers try again after a short pause, not the whole replica.fetch.backoff.ms (during
 * a controlled shutdown that pause stalled every acks=all produce).
 */
const LEADER_CATCHING_UP_BACKOFF_MS = 10;

function backoffMsFor(core: ManagerCore, reason: string): number {
  const full = core.config.replicaFetchBackoffMs;
  return reason === "NOT_LEADER_OR_FOLLOWER" || reason === "UNKNOWN_LEADER_EPOCH"
    ? Math.min(full, LEADER_CATCHING_UP_BACKOFF_MS)
    : full;
}

/**
 * Handed-over waiters past their deadline time out; a role that ended (offline, started over
 * after a log error) answers the rest NOT_LEADER_OR_FOLLOWER. Runs after every answer, and a
 * follower gets one at least every fetch wait, so a deadline is late by at most that.
 */
function settleHandover(core: ManagerCore, slot: Slot, role: FollowerRole): void {
  const handover = role.handover;
  if (handover === null) return;
  if (slot.role !== role || core.closed) handover.failAll("NOT_LEADER_OR_FOLLOWER");
  else handover.expire(nowMs(core));
  if (handover.size === 0) role.handover = null;
}

/** Whatever happened, a live follower always has its next request (after any backoff). */
function ensureNext(slot: Slot, role: FollowerRole): void {
  if (slot.role !== role || role.next !== null) return;
  const phase = role.state.phase;
  if (phase !== "fetching" && phase !== "truncating") return;
  for (const effect of role.state.retry()) {
    if (effect.kind === "send-fetch") role.next = { kind: "fetch", request: effect.request };
    if (effect.kind === "send-epoch-end") role.next = { kind: "ask", request: effect.request };
  }
}

function onLogError(core: ManagerCore, slot: Slot, role: FollowerRole, err: unknown): void {
  core.logger.warn("replica.log_error", "follower log operation failed", {
    topic: slot.key.topic,
    partition: slot.key.partition,
    error: err instanceof Error ? err.message : String(err),
  });
  if (slot.role !== role) return;
  if (slot.log.failed) {
    takeOffline(core, slot, "storage");
    return;
  }
  // The state ran ahead of the log: start over from the log as it is, after a backoff.
  const fresh = newFollowerRole(core, slot, role.leaderId, role.state.leaderEpoch);
  slot.role = fresh;
  core.timers.setTimeout(() => {
    if (slot.role === fresh && !core.closed) void startFollower(core, slot, fresh);
  }, core.config.replicaFetchBackoffMs);
}

export function takeOffline(core: ManagerCore, slot: Slot, reason: string): void {
  slot.role = { kind: "offline", reason };
  slot.wake();
  core.logger.warn("partition.offline", "replica taken offline", {
    topic: slot.key.topic,
    partition: slot.key.partition,
    reason,
  });
}
