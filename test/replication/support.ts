// Builders shared by the replication tests.
import { LeaderReplicaState } from "../../src/replication/leader-replica.ts";
import type { EpochEntry } from "../../src/log/leader-epoch-cache.ts";

export interface LeaderSetup {
  replicas?: number[];
  isr?: number[];
  leaderEpoch?: number;
  partitionEpoch?: number;
  logEndOffset?: number;
  highWatermark?: number;
  epochs?: EpochEntry[];
  nowMs?: number;
}

/** Replica 1 leads [1, 2, 3]; everything else as given. */
export function leader(setup: LeaderSetup = {}): LeaderReplicaState {
  const replicas = setup.replicas ?? [1, 2, 3];
  return new LeaderReplicaState({
    localReplicaId: 1,
    state: {
      leaderId: 1,
      leaderEpoch: setup.leaderEpoch ?? 5,
      partitionEpoch: setup.partitionEpoch ?? 10,
      replicas,
      isr: setup.isr ?? replicas,
    },
    logEndOffset: setup.logEndOffset ?? 0,
    highWatermark: setup.highWatermark ?? 0,
    epochs: setup.epochs ?? [],
    nowMs: setup.nowMs ?? 0,
  });
}

/** A fetch by `replicaId` in the leader's epoch; throws when the leader refuses it. */
export function fetchOk(
  state: LeaderReplicaState,
  replicaId: number,
  fetchOffset: number,
  nowMs: number,
): number {
  const outcome = state.updateFollower(
    { replicaId, leaderEpoch: state.leaderEpoch, fetchOffset },
    nowMs,
  );
  if (!outcome.ok) throw new Error(`fetch refused: ${outcome.code}`);
  return outcome.highWatermark;
}
