// The leader's view of one follower: how far its log reaches (the offset it last fetched from)
// and when it was last caught up, by Kafka's rule: a fetch at time t catches the follower up at t
// when it asks for the leader's current log end, and at the time of its previous fetch when it
// asks for at least the log end the leader had then (it had everything written before that fetch).
import { assert } from "../model/errors.ts";

export interface FollowerProgress {
  readonly replicaId: number;
  /** Its fetch offset, i.e. its log end; null until it fetched from this leader. */
  logEndOffset: number | null;
  /** -1 until it fetched from this leader. */
  lastFetchTimeMs: number;
  /** The leader's log end when the follower last fetched; -1 before that. */
  lastFetchLeaderLogEndOffset: number;
  /** 0 = never caught up with this leader. */
  lastCaughtUpTimeMs: number;
}

/** A fresh view at takeover: ISR members count as caught up now, so none is dropped at once. */
export function newFollowerProgress(
  replicaId: number,
  inSync: boolean,
  nowMs: number,
): FollowerProgress {
  return {
    replicaId,
    logEndOffset: null,
    lastFetchTimeMs: -1,
    lastFetchLeaderLogEndOffset: -1,
    lastCaughtUpTimeMs: inSync ? nowMs : 0,
  };
}

export function recordFetch(
  progress: FollowerProgress,
  fetchOffset: number,
  leaderLogEndOffset: number,
  nowMs: number,
): void {
  assert(fetchOffset <= leaderLogEndOffset, "a follower fetches at or below the leader's log end");
  if (fetchOffset >= leaderLogEndOffset) {
    progress.lastCaughtUpTimeMs = Math.max(progress.lastCaughtUpTimeMs, nowMs);
  } else if (
    progress.lastFetchTimeMs >= 0 && fetchOffset >= progress.lastFetchLeaderLogEndOffset
  ) {
    progress.lastCaughtUpTimeMs = Math.max(progress.lastCaughtUpTimeMs, progress.lastFetchTimeMs);
  }
  progress.logEndOffset = fetchOffset;
  progress.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  progress.lastFetchTimeMs = Math.max(progress.lastFetchTimeMs, nowMs);
}

/** Kafka's isCaughtUp: at the leader's log end, or caught up within the lag time. */
export function isCaughtUp(
  progress: FollowerProgress,
  leaderLogEndOffset: number,
  nowMs: number,
  replicaLagTimeMaxMs: number,
): boolean {
  if (progress.logEndOffset === leaderLogEndOffset) return true;
  return nowMs - progress.lastCaughtUpTimeMs <= replicaLagTimeMaxMs;
}
