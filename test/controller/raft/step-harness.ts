// Helpers for step()-level tests of RaftNode: build a node from a persisted state, drive it to
// leadership, and pick the effects a test looks at.
import { RaftNode } from "../../../src/controller/raft/node.ts";
import type {
  AppendRequest,
  Entry,
  RaftEffect,
  RaftMessage,
} from "../../../src/controller/raft/types.ts";
import type { Random } from "../../../runtime/types.ts";

export const ELECTION_MS = 100;
export const HEARTBEAT_MS = 20;

/** Election timeouts of exactly ELECTION_MS: the tests know when a timer is due. */
export const noJitter: Random = {
  u32: () => 0,
  float: () => 0,
  int: () => 0,
  bytes: (n) => new Uint8Array(n),
};

/** Entries with the given terms; entry i (1-based) carries the text "e<i>". */
export function entries(terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({ term, data: new TextEncoder().encode(`e${i + 1}`) }));
}

export interface NodeSetup {
  voters?: readonly number[];
  term?: number;
  votedFor?: number | null;
  /** Terms of the persisted log's entries (after the snapshot, if any). */
  log?: readonly number[];
  /** A snapshot the log starts after. */
  snapshot?: { index: number; term: number; data: Uint8Array };
  random?: Random;
  appendEntriesMax?: number;
}

export function makeNode(id: number, setup: NodeSetup = {}): RaftNode {
  const node = new RaftNode(
    {
      nodeId: id,
      voterIds: setup.voters ?? [1, 2, 3],
      electionTimeoutMs: ELECTION_MS,
      heartbeatIntervalMs: HEARTBEAT_MS,
      appendEntriesMax: setup.appendEntriesMax ?? 8,
    },
    setup.random ?? noJitter,
    {
      term: setup.term ?? 0,
      votedFor: setup.votedFor ?? null,
      logStartIndex: setup.snapshot?.index ?? 0,
      logStartTerm: setup.snapshot?.term ?? 0,
      entries: entries(setup.log ?? []),
      snapshot: setup.snapshot?.data ?? null,
    },
  );
  node.start(0);
  return node;
}

export function receive(
  node: RaftNode,
  from: number,
  message: RaftMessage,
  nowMs = 1,
): RaftEffect[] {
  return node.step({ type: "message", from, message }, nowMs);
}

export function sends(effects: readonly RaftEffect[]): { to: number; message: RaftMessage }[] {
  return effects.flatMap((e) => (e.type === "send" ? [{ to: e.to, message: e.message }] : []));
}

export function sentTo<T extends RaftMessage["type"]>(
  effects: readonly RaftEffect[],
  to: number,
  type: T,
): Extract<RaftMessage, { type: T }> {
  const found = sends(effects).filter((s) => s.to === to && s.message.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} to ${to}, got ${found.length}`);
  return found[0].message as Extract<RaftMessage, { type: T }>;
}

export function ofType<T extends RaftEffect["type"]>(
  effects: readonly RaftEffect[],
  type: T,
): Extract<RaftEffect, { type: T }>[] {
  return effects.filter((e) => e.type === type) as Extract<RaftEffect, { type: T }>[];
}

/** Acknowledges every log write the effects asked for. */
export function persistAll(
  node: RaftNode,
  effects: readonly RaftEffect[],
  nowMs = 1,
): RaftEffect[] {
  const writes = ofType(effects, "appendLog");
  if (writes.length === 0) return [];
  return node.step({ type: "persisted", writeId: writes[writes.length - 1].writeId }, nowMs);
}

/**
 * Takes a follower through pre-vote and election to leadership at `nowMs`, granted by
 * `voters`; returns the effects of the winning step (the no-op write and the first appends).
 */
export function elect(
  node: RaftNode,
  voters: readonly number[],
  nowMs = ELECTION_MS,
): RaftEffect[] {
  let effects = node.step({ type: "timer", timer: "election" }, nowMs);
  const preTerm = node.term + 1;
  for (const voter of voters) {
    effects = receive(
      node,
      voter,
      { type: "preVoteResponse", term: preTerm, granted: true },
      nowMs,
    );
    if (node.role === "candidate") break;
  }
  for (const voter of voters) {
    effects = receive(node, voter, { type: "voteResponse", term: node.term, granted: true }, nowMs);
    if (node.role === "leader") break;
  }
  if (node.role !== "leader") throw new Error(`node ${node.config.nodeId} did not win`);
  return effects;
}

export function append(
  term: number,
  prevLogIndex: number,
  prevLogTerm: number,
  entryTerms: readonly number[],
  leaderCommit = 0,
  firstIndex = prevLogIndex + 1,
): AppendRequest {
  const made = entryTerms.map((t, i) => ({
    term: t,
    data: new TextEncoder().encode(`e${firstIndex + i}`),
  }));
  return { type: "append", term, prevLogIndex, prevLogTerm, entries: made, leaderCommit };
}

export function success(term: number, matchIndex: number): RaftMessage {
  return {
    type: "appendResponse",
    term,
    success: true,
    matchIndex,
    rejectedIndex: 0,
    conflictTerm: null,
    conflictIndex: 0,
  };
}
