// The vocabulary of the sans-IO Raft core: its configuration, log entries, the messages peers
// exchange, the events a driver feeds into RaftNode.step() and the effects it gets back.
//
// Messages are plain objects (a codec comes later) and every one carries the sender's term.
// Pre-vote and check-quorum follow §9.6 of Ongaro's thesis; the fast back-off hint on a refused
// append follows the thesis' §5.3 note (the conflicting term and the first index of it).

import type { ErrorCodeName } from "../../model/errors.ts";

/** One entry of the replicated log. `data === null` is the no-op a leader appends at the start of its term. */
export interface Entry {
  readonly term: number;
  readonly data: Uint8Array | null;
}

export interface RaftConfig {
  /** This node's id; one of `voterIds`. */
  nodeId: number;
  /** The static voter set, this node included. */
  voterIds: readonly number[];
  /** The base election timeout; each wait is drawn from [electionTimeoutMs, 2 * electionTimeoutMs). */
  electionTimeoutMs: number;
  /** How often a leader sends appends (empty ones are heartbeats) and checks its quorum. */
  heartbeatIntervalMs: number;
  /** The most entries one append message carries. */
  appendEntriesMax: number;
}

export interface PreVoteRequest {
  readonly type: "preVote";
  /** The term the sender would campaign in (its own term + 1); its own term does not change. */
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface PreVoteResponse {
  readonly type: "preVoteResponse";
  /** The requested term when granted, the responder's own term when refused. */
  readonly term: number;
  readonly granted: boolean;
}

export interface VoteRequest {
  readonly type: "vote";
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteResponse {
  readonly type: "voteResponse";
  readonly term: number;
  readonly granted: boolean;
}

export interface AppendRequest {
  readonly type: "append";
  readonly term: number;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly leaderCommit: number;
}

export interface AppendResponse {
  readonly type: "appendResponse";
  readonly term: number;
  readonly success: boolean;
  /** On success: the follower's log matches the leader's, durably, up to here. */
  readonly matchIndex: number;
  /** On refusal: the prevLogIndex that did not match (lets the leader drop stale refusals). */
  readonly rejectedIndex: number;
  /** On refusal: the follower's term at rejectedIndex, null when its log is shorter. */
  readonly conflictTerm: number | null;
  /** On refusal: the first index of conflictTerm in the follower's log, or its last index + 1. */
  readonly conflictIndex: number;
}

/** Sent instead of an append when the entries a follower needs are folded into the snapshot. */
export interface SnapshotRequest {
  readonly type: "installSnapshot";
  readonly term: number;
  /** The last entry the snapshot covers. */
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** The state machine's image as of lastIndex (opaque to Raft). */
  readonly data: Uint8Array;
}

export type RaftMessage =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | SnapshotRequest;

export type TimerName = "election" | "heartbeat";

export type RaftEvent =
  /** A timer the node set has fired (early or stale firings are ignored). */
  | { readonly type: "timer"; readonly timer: TimerName }
  | { readonly type: "message"; readonly from: number; readonly message: RaftMessage }
  | { readonly type: "propose"; readonly data: Uint8Array }
  /** The write (appendLog or installSnapshot) with this writeId, and every earlier one, is durable. */
  | { readonly type: "persisted"; readonly writeId: number }
  /**
   * The driver has durably saved a snapshot of the state machine as of applied index `index`
   * (at most the commit index): the log up to there may go.
   */
  | { readonly type: "snapshotTaken"; readonly index: number; readonly data: Uint8Array };

/** What the driver must do, in list order (see RaftNode for the durability contract). */
export type RaftEffect =
  | { readonly type: "persistHardState"; readonly term: number; readonly votedFor: number | null }
  | {
    readonly type: "appendLog";
    readonly writeId: number;
    /** Drop every stored entry at or after this index, then store `entries` from it on. */
    readonly fromIndex: number;
    readonly entries: readonly Entry[];
  }
  /**
   * A log write like appendLog, ordered with them: durably store the snapshot, drop the whole
   * stored log, reset the state machine to the snapshot. Entries after `index` follow as appends.
   */
  | {
    readonly type: "installSnapshot";
    readonly writeId: number;
    readonly index: number;
    readonly term: number;
    readonly data: Uint8Array;
  }
  /** Stored entries up to `index` may be deleted (the snapshot covers them); after earlier writes. */
  | { readonly type: "compactLog"; readonly index: number }
  | { readonly type: "send"; readonly to: number; readonly message: RaftMessage }
  | { readonly type: "setTimer"; readonly timer: TimerName; readonly atMs: number }
  /** Entries newly committed, in order, starting at fromIndex: apply them. */
  | { readonly type: "commit"; readonly fromIndex: number; readonly entries: readonly Entry[] }
  | { readonly type: "leaderChanged"; readonly leaderId: number | null; readonly term: number }
  /** A message from a non-voter or with malformed fields, ignored; the driver logs it (rate-limited). */
  | { readonly type: "messageDropped"; readonly from: number; readonly reason: string }
  | { readonly type: "proposed"; readonly index: number; readonly term: number }
  /** The node is not the leader: the proposer should go to leaderId (null: none known yet). */
  | {
    readonly type: "proposalRefused";
    readonly code: Extract<ErrorCodeName, "NOT_CONTROLLER">;
    readonly leaderId: number | null;
    readonly term: number;
  };

/** What survives a restart: the driver loads it and hands it to a new RaftNode. */
export interface PersistentState {
  readonly term: number;
  readonly votedFor: number | null;
  /** Index of the last entry folded into a snapshot (0: none); the seam for snapshots. */
  readonly logStartIndex: number;
  readonly logStartTerm: number;
  /** Entries logStartIndex + 1 onwards. */
  readonly entries: readonly Entry[];
  /** The snapshot covering the log up to logStartIndex (null when logStartIndex is 0). */
  readonly snapshot?: Uint8Array | null;
}

export type RaftRole = "follower" | "preCandidate" | "candidate" | "leader";
