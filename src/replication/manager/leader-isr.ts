// The leader's upkeep around LeaderReplicaState: carrying HW moves to the log, the acks=all
// waiters and parked fetches; proposing ISR changes and sending each proposal to the controller
// until it is answered (one AlterPartition call per partition at a time), and feeding the
// answers back.
import type { AlterPartitionReply } from "../../model/cluster.ts";
import { type ErrorCodeName, isErrorCode } from "../../model/errors.ts";
import type { AlterPartitionAnswer, AlterPartitionRequest } from "../messages.ts";
import { callBounded } from "./call-bounded.ts";
import { type ManagerCore, nowMs } from "./manager-core.ts";
import { toCommittedState } from "./partition-key.ts";
import { guarded } from "./boundary.ts";
import { type LeaderRole, resignLeader, type Slot } from "./slot.ts";

/** After anything that may have moved the leader state's HW or ISR. */
export function afterLeaderChange(core: ManagerCore, slot: Slot, role: LeaderRole): void {
  const hw = role.state.highWatermark;
  if (hw > slot.log.highWatermark) {
    slot.log.setHighWatermark(hw);
    slot.wake();
  }
  role.acks.onHighWatermark(hw, role.state.minimalIsr.length, role.minInsyncReplicas);
  armAcksTimer(core, role);
}

/** The leader's state learns of local appends it has not seen (the log is the truth). */
export function syncLocalEnd(core: ManagerCore, slot: Slot, role: LeaderRole): void {
  const end = slot.log.logEndOffset;
  if (end <= role.state.logEndOffset) return;
  role.state.onLocalAppend(end);
  afterLeaderChange(core, slot, role);
  slot.wake();
}

export function armAcksTimer(core: ManagerCore, role: LeaderRole): void {
  role.acksTimer?.cancel();
  role.acksTimer = null;
  const next = role.acks.nextDeadlineMs();
  if (next === null || core.closed) return;
  role.acksTimer = core.timers.setTimeout(() => {
    role.acksTimer = null;
    role.acks.expire(nowMs(core));
    armAcksTimer(core, role);
  }, Math.max(0, next - nowMs(core)));
}

/** Proposes an ISR change when one is due and none is pending, and sends it. */
export function checkIsr(core: ManagerCore, slot: Slot, role: LeaderRole): void {
  if (role.resigned || core.closed) return;
  const now = nowMs(core);
  if (role.state.alterPartitionInFlight === null && now >= role.proposeNotBeforeMs) {
    const shrink = role.state.maybeShrinkIsr(now, core.config.replicaLagTimeMaxMs);
    if (shrink === null) role.state.maybeExpandIsr();
  }
  sendAlter(core, slot, role);
}

/** Applies a committed state from the metadata (same leader epoch) and counts ISR changes. */
export function applyCommitted(
  core: ManagerCore,
  slot: Slot,
  role: LeaderRole,
  apply: () => "applied" | "stale" | "resign",
): "applied" | "stale" | "resign" {
  const before = role.state.isr.length;
  const outcome = apply();
  if (outcome === "applied") {
    const after = role.state.isr.length;
    if (after < before) core.counters.isrShrinks++;
    if (after > before) core.counters.isrExpands++;
    core.logger.info("replica.isr_changed", "the committed ISR changed", {
      topic: slot.key.topic,
      partition: slot.key.partition,
      isr: role.state.isr.join(","),
      partitionEpoch: role.state.partitionEpoch,
    });
  }
  afterLeaderChange(core, slot, role);
  return outcome;
}

function sendAlter(core: ManagerCore, slot: Slot, role: LeaderRole): void {
  const proposal = role.state.alterPartitionInFlight;
  if (proposal === null || role.alterSending || role.alterRetryTimer !== null) return;
  if (role.resigned || core.closed) return;
  role.alterSending = true;
  core.counters.alterPartitionSends++;
  const request = {
    brokerId: core.brokerId,
    incarnationId: core.incarnationId,
    partitions: [{
      topicId: slot.key.topicId,
      partition: slot.key.partition,
      leaderEpoch: proposal.leaderEpoch,
      partitionEpoch: proposal.partitionEpoch,
      newIsr: proposal.newIsr.slice(),
    }],
  };
  callBounded(
    core.timers,
    core.config.requestTimeoutMs,
    core.closeSignal,
    () => core.channel.alterPartition(request),
  ).then((result) =>
    guarded(core, slot, () => {
      role.alterSending = false;
      if (slot.role !== role || role.resigned || core.closed) return;
      const answer = result.ok ? answerFor(result.value, slot) : null;
      if (answer !== null) onAnswer(core, slot, role, proposal, answer);
      if (slot.role === role && role.state.alterPartitionInFlight !== null) {
        // No answer, or one that leaves the proposal open: the same proposal again, later.
        role.alterRetryTimer = core.timers.setTimeout(() => {
          role.alterRetryTimer = null;
          if (slot.role === role) sendAlter(core, slot, role);
        }, core.config.replicaFetchBackoffMs);
      }
    })
  );
}

function onAnswer(
  core: ManagerCore,
  slot: Slot,
  role: LeaderRole,
  proposal: AlterPartitionRequest,
  answer: AlterPartitionAnswer,
): void {
  if (answer.errorCode !== null) {
    role.proposeNotBeforeMs = nowMs(core) + core.config.replicaFetchBackoffMs;
    core.logger.info("replica.alter_partition_refused", "the controller refused an ISR change", {
      topic: slot.key.topic,
      partition: slot.key.partition,
      code: answer.errorCode,
      newIsr: proposal.newIsr.join(","),
    });
  }
  const outcome = applyCommitted(
    core,
    slot,
    role,
    () => role.state.onAlterPartitionAnswer(answer, proposal.proposalId),
  );
  if (outcome === "resign") resignLeader(role);
}

function answerFor(reply: AlterPartitionReply, slot: Slot): AlterPartitionAnswer | null {
  const item = reply.partitions.find((p) =>
    p.topicId === slot.key.topicId && p.partition === slot.key.partition
  );
  if (item === undefined) return null;
  const committed = item.state === null ? undefined : toCommittedState(item.state);
  if (item.error === null) {
    return committed === undefined ? null : { errorCode: null, ...committed };
  }
  const code: ErrorCodeName = isErrorCode(item.error.code)
    ? item.error.code
    : "UNKNOWN_SERVER_ERROR";
  return committed === undefined ? { errorCode: code } : { errorCode: code, committed };
}
