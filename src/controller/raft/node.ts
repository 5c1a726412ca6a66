// One member of a Raft quorum with a static voter set, as a sans-IO state machine: the driver
// feeds events into step(event, nowMs) and carries out the effects it returns, in list order.
//
// Durability contract (what makes a vote or an acknowledgement safe across a crash):
// - `persistHardState` is a barrier: the driver makes term and vote durable (fsync) before it
//   carries out any later effect of the same list. The node emits it before every send that
//   depends on it ("persist then send"), so a vote is never granted twice in one term and a term
//   is never forgotten after a message in it went out.
// - `appendLog` and `installSnapshot` writes may complete in the background, in order; the driver
//   reports each with a `persisted` event (`compactLog` runs after the writes before it). Until
//   then the entries count neither for the leader's own match (commit counting) nor in a
//   follower's acknowledgement: a follower acks only the durable prefix that it has verified
//   against the current leader, and acks again as more becomes durable.
// - Commit index, role and leader are volatile: a restarted node starts as a follower with commit
//   index = log start (its snapshot) and relearns them.
//
// Elections use pre-vote (a node campaigns only after a majority says it would vote for it, so a
// node rejoining from a partition does not bump the term) and check-quorum (a leader steps down
// when it has not heard from a majority within an election timeout, and a node that heard from
// a leader within an election timeout ignores vote requests: Ongaro's thesis §9.6).
import { assert } from "../../model/errors.ts";
import type { Random } from "../../../runtime/types.ts";
import { DurableWrites } from "./durable-writes.ts";
import { RaftLog } from "./log.ts";
import { malformedReason } from "./validate.ts";
import type {
  AppendRequest,
  AppendResponse,
  Entry,
  PersistentState,
  PreVoteRequest,
  RaftConfig,
  RaftEffect,
  RaftEvent,
  RaftMessage,
  RaftRole,
  SnapshotRequest,
  VoteRequest,
} from "./types.ts";

interface Progress {
  /** The next index to send to this follower. */
  next: number;
  /** The highest index the follower has durably matched. */
  match: number;
  lastHeardMs: number;
  /** When the snapshot last went to this follower: resent only after an election timeout. */
  snapshotSentMs: number;
}

export class RaftNode {
  readonly config: RaftConfig;
  readonly #random: Random;
  readonly #majority: number;
  #term: number;
  #votedFor: number | null;
  #role: RaftRole = "follower";
  #leaderId: number | null = null;
  readonly #log: RaftLog;
  #commitIndex: number;
  readonly #writes: DurableWrites;
  /** Follower: its log matches the current leader's up to here (reset with each term). */
  #verifiedIndex = 0;
  /** Follower: the highest matchIndex it has acknowledged in this term. */
  #ackedIndex = 0;
  #lastLeaderContactMs = Number.NEGATIVE_INFINITY;
  #electionDeadlineMs = Number.POSITIVE_INFINITY;
  #heartbeatDeadlineMs = Number.POSITIVE_INFINITY;
  readonly #votes = new Set<number>();
  readonly #progress = new Map<number, Progress>();
  /** The latest snapshot (what log.startIndex stands for), sent to followers too far behind. */
  #snapshot: Uint8Array | null;
  #effects: RaftEffect[] = [];

  constructor(config: RaftConfig, random: Random, state: PersistentState) {
    assert(config.voterIds.includes(config.nodeId), "a raft node is one of its voters");
    assert(new Set(config.voterIds).size === config.voterIds.length, "raft voter ids are distinct");
    assert(
      config.heartbeatIntervalMs < config.electionTimeoutMs,
      "heartbeats beat the election timeout",
    );
    assert(config.appendEntriesMax >= 1, "an append carries at least one entry");
    this.config = config;
    this.#random = random;
    this.#majority = Math.floor(config.voterIds.length / 2) + 1;
    this.#term = state.term;
    this.#votedFor = state.votedFor;
    this.#log = new RaftLog(state.logStartIndex, state.logStartTerm, state.entries);
    this.#commitIndex = state.logStartIndex;
    this.#writes = new DurableWrites(this.#log.lastIndex);
    this.#snapshot = state.snapshot ?? null;
    assert(
      state.logStartIndex === 0 || this.#snapshot !== null,
      "a compacted log has its snapshot",
    );
  }

  get role(): RaftRole {
    return this.#role;
  }
  get term(): number {
    return this.#term;
  }
  get votedFor(): number | null {
    return this.#votedFor;
  }
  get leaderId(): number | null {
    return this.#leaderId;
  }
  get commitIndex(): number {
    return this.#commitIndex;
  }
  get persistedIndex(): number {
    return this.#writes.persistedIndex;
  }
  get log(): RaftLog {
    return this.#log;
  }

  /** Arms the first election timer. Call once, before any step(). */
  start(nowMs: number): RaftEffect[] {
    this.#effects = [];
    this.#resetElectionTimer(nowMs);
    return this.#takeEffects();
  }

  step(event: RaftEvent, nowMs: number): RaftEffect[] {
    this.#effects = [];
    switch (event.type) {
      case "timer":
        if (event.timer === "election") this.#onElectionTimer(nowMs);
        else this.#onHeartbeatTimer(nowMs);
        break;
      case "message":
        this.#onMessage(event.from, event.message, nowMs);
        break;
      case "propose":
        this.#onPropose(event.data, nowMs);
        break;
      case "persisted":
        this.#onPersisted(event.writeId);
        break;
      case "snapshotTaken":
        this.#onSnapshotTaken(event.index, event.data);
        break;
    }
    return this.#takeEffects();
  }

  #takeEffects(): RaftEffect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  // --- timers -----------------------------------------------------------------------------

  #onElectionTimer(nowMs: number): void {
    if (this.#role === "leader" || nowMs < this.#electionDeadlineMs) return;
    this.#startPreVote(nowMs);
  }

  #onHeartbeatTimer(nowMs: number): void {
    if (this.#role !== "leader" || nowMs < this.#heartbeatDeadlineMs) return;
    if (!this.#hasQuorumContact(nowMs)) {
      this.#becomeFollower(this.#term, null, nowMs);
      return;
    }
    for (const id of this.#progress.keys()) this.#sendAppend(id, nowMs);
    this.#setHeartbeatTimer(nowMs);
  }

  #hasQuorumContact(nowMs: number): boolean {
    let heard = 1;
    for (const progress of this.#progress.values()) {
      if (nowMs - progress.lastHeardMs < this.config.electionTimeoutMs) heard++;
    }
    return heard >= this.#majority;
  }

  #resetElectionTimer(nowMs: number): void {
    const base = this.config.electionTimeoutMs;
    this.#electionDeadlineMs = nowMs + base + this.#random.int(base);
    this.#effects.push({ type: "setTimer", timer: "election", atMs: this.#electionDeadlineMs });
  }

  #setHeartbeatTimer(nowMs: number): void {
    this.#heartbeatDeadlineMs = nowMs + this.config.heartbeatIntervalMs;
    this.#effects.push({ type: "setTimer", timer: "heartbeat", atMs: this.#heartbeatDeadlineMs });
  }

  // --- roles ------------------------------------------------------------------------------

  #send(to: number, message: RaftMessage): void {
    this.#effects.push({ type: "send", to, message });
  }

  #others(): number[] {
    return this.config.voterIds.filter((id) => id !== this.config.nodeId);
  }

  #setLeader(leaderId: number | null): void {
    if (leaderId === this.#leaderId) return;
    this.#leaderId = leaderId;
    this.#effects.push({ type: "leaderChanged", leaderId, term: this.#term });
  }

  #setTerm(term: number, votedFor: number | null): void {
    assert(term >= this.#term, "a raft term never goes back");
    if (term > this.#term) {
      this.#verifiedIndex = 0;
      this.#ackedIndex = 0;
    }
    this.#term = term;
    this.#votedFor = votedFor;
    this.#effects.push({ type: "persistHardState", term, votedFor });
  }

  #becomeFollower(term: number, leaderId: number | null, nowMs: number): void {
    if (term > this.#term) this.#setTerm(term, null);
    this.#role = "follower";
    this.#progress.clear();
    this.#heartbeatDeadlineMs = Number.POSITIVE_INFINITY;
    this.#setLeader(leaderId);
    this.#resetElectionTimer(nowMs);
  }

  #startPreVote(nowMs: number): void {
    this.#role = "preCandidate";
    this.#setLeader(null);
    this.#votes.clear();
    this.#votes.add(this.config.nodeId);
    this.#resetElectionTimer(nowMs);
    if (this.#votes.size >= this.#majority) {
      this.#startElection(nowMs);
      return;
    }
    const lastLogIndex = this.#log.lastIndex;
    const lastLogTerm = this.#log.lastTerm;
    for (const id of this.#others()) {
      this.#send(id, { type: "preVote", term: this.#term + 1, lastLogIndex, lastLogTerm });
    }
  }

  #startElection(nowMs: number): void {
    this.#role = "candidate";
    this.#setTerm(this.#term + 1, this.config.nodeId);
    this.#votes.clear();
    this.#votes.add(this.config.nodeId);
    this.#resetElectionTimer(nowMs);
    if (this.#votes.size >= this.#majority) {
      this.#becomeLeader(nowMs);
      return;
    }
    const lastLogIndex = this.#log.lastIndex;
    const lastLogTerm = this.#log.lastTerm;
    for (const id of this.#others()) {
      this.#send(id, { type: "vote", term: this.#term, lastLogIndex, lastLogTerm });
    }
  }

  #becomeLeader(nowMs: number): void {
    this.#role = "leader";
    this.#setLeader(this.config.nodeId);
    this.#electionDeadlineMs = Number.POSITIVE_INFINITY;
    this.#progress.clear();
    for (const id of this.#others()) {
      this.#progress.set(id, {
        next: this.#log.lastIndex + 1,
        match: 0,
        lastHeardMs: nowMs,
        snapshotSentMs: Number.NEGATIVE_INFINITY,
      });
    }
    // The no-op of the term: the leader can commit (and so learn the commit index of) what
    // earlier terms left only through an entry of its own term (§5.4.2).
    this.#writeLog(this.#log.lastIndex + 1, [{ term: this.#term, data: null }]);
    for (const id of this.#progress.keys()) this.#sendAppend(id, nowMs);
    this.#setHeartbeatTimer(nowMs);
    this.#maybeCommit();
  }

  /** A node that heard from a live leader within an election timeout refuses to help depose it. */
  #inLease(nowMs: number): boolean {
    if (this.#role === "leader") return true;
    return this.#role === "follower" && this.#leaderId !== null &&
      nowMs - this.#lastLeaderContactMs < this.config.electionTimeoutMs;
  }

  // --- messages ---------------------------------------------------------------------------

  #onMessage(from: number, message: RaftMessage, nowMs: number): void {
    if (from === this.config.nodeId || !this.config.voterIds.includes(from)) {
      this.#effects.push({ type: "messageDropped", from, reason: "sender is not another voter" });
      return;
    }
    const malformed = malformedReason(message);
    if (malformed !== null) {
      this.#effects.push({ type: "messageDropped", from, reason: malformed });
      return;
    }
    if (message.term > this.#term) {
      const preVote = message.type === "preVote" ||
        (message.type === "preVoteResponse" && message.granted);
      if (!preVote) {
        if (message.type === "vote" && this.#inLease(nowMs)) return;
        this.#becomeFollower(message.term, message.type === "append" ? from : null, nowMs);
      }
    } else if (message.term < this.#term) {
      this.#refuseStale(from, message);
      return;
    }
    switch (message.type) {
      case "preVote":
        return this.#onPreVote(from, message, nowMs);
      case "preVoteResponse":
        if (this.#role !== "preCandidate" || message.term !== this.#term + 1) return;
        if (message.granted) this.#countVote(from, nowMs);
        return;
      case "vote":
        return this.#onVote(from, message, nowMs);
      case "voteResponse":
        if (this.#role !== "candidate" || !message.granted) return;
        return this.#countVote(from, nowMs);
      case "append":
        return this.#onAppend(from, message, nowMs);
      case "appendResponse":
        return this.#onAppendResponse(from, message, nowMs);
      case "installSnapshot":
        return this.#onInstallSnapshot(from, message, nowMs);
    }
  }

  /** A request from an older term is answered with ours, so its sender catches up or steps down. */
  #refuseStale(from: number, message: RaftMessage): void {
    const term = this.#term;
    if (message.type === "append" || message.type === "installSnapshot") {
      this.#send(from, {
        type: "appendResponse",
        term,
        success: false,
        matchIndex: 0,
        rejectedIndex: message.type === "append" ? message.prevLogIndex : message.lastIndex,
        conflictTerm: null,
        conflictIndex: 0,
      });
    } else if (message.type === "preVote") {
      this.#send(from, { type: "preVoteResponse", term, granted: false });
    } else if (message.type === "vote") {
      this.#send(from, { type: "voteResponse", term, granted: false });
    }
  }

  #onPreVote(from: number, request: PreVoteRequest, nowMs: number): void {
    const granted = request.term > this.#term && !this.#inLease(nowMs) &&
      this.#log.isUpToDate(request.lastLogIndex, request.lastLogTerm);
    const term = granted ? request.term : this.#term;
    this.#send(from, { type: "preVoteResponse", term, granted });
  }

  #onVote(from: number, request: VoteRequest, nowMs: number): void {
    const free = this.#votedFor === null || this.#votedFor === from;
    const granted = free && this.#log.isUpToDate(request.lastLogIndex, request.lastLogTerm);
    if (granted) {
      if (this.#votedFor !== from) this.#setTerm(this.#term, from);
      this.#resetElectionTimer(nowMs);
    }
    this.#send(from, { type: "voteResponse", term: this.#term, granted });
  }

  #countVote(from: number, nowMs: number): void {
    this.#votes.add(from);
    if (this.#votes.size < this.#majority) return;
    if (this.#role === "preCandidate") this.#startElection(nowMs);
    else this.#becomeLeader(nowMs);
  }

  /** An append or snapshot of the current term: its sender is the leader. */
  #followLeader(from: number, nowMs: number): void {
    assert(this.#role !== "leader", `two leaders in term ${this.#term}`);
    if (this.#role !== "follower") this.#becomeFollower(this.#term, from, nowMs);
    this.#setLeader(from);
    this.#lastLeaderContactMs = nowMs;
    this.#resetElectionTimer(nowMs);
  }

  #onAppend(from: number, request: AppendRequest, nowMs: number): void {
    this.#followLeader(from, nowMs);
    const reach = request.prevLogIndex + request.entries.length;
    let prev = request.prevLogIndex;
    let prevLogTerm = request.prevLogTerm;
    let entries = request.entries;
    if (prev < this.#log.startIndex) {
      // What lies below the snapshot is committed, so it matches: look only at the rest.
      entries = entries.slice(this.#log.startIndex - prev);
      prev = this.#log.startIndex;
      prevLogTerm = this.#log.startTerm;
    }
    const prevTerm = this.#log.termAt(prev);
    if (prevTerm !== prevLogTerm) {
      assert(prev > this.#commitIndex, "a committed entry matches every later leader's log");
      this.#send(from, {
        type: "appendResponse",
        term: this.#term,
        success: false,
        matchIndex: 0,
        rejectedIndex: prev,
        conflictTerm: prevTerm,
        conflictIndex: prevTerm === null
          ? this.#log.lastIndex + 1
          : this.#log.firstIndexOfTerm(prevTerm, prev),
      });
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const index = prev + 1 + i;
      const term = this.#log.termAt(index);
      if (term === entries[i].term) continue;
      assert(index > this.#commitIndex, "a follower never drops a committed entry");
      this.#writeLog(index, entries.slice(i));
      break;
    }
    this.#verifiedIndex = Math.max(this.#verifiedIndex, reach);
    const commit = Math.min(request.leaderCommit, this.#verifiedIndex);
    if (commit > this.#commitIndex) this.#advanceCommit(commit);
    this.#acknowledge(from);
  }

  #onInstallSnapshot(from: number, request: SnapshotRequest, nowMs: number): void {
    this.#followLeader(from, nowMs);
    const index = request.lastIndex;
    if (index > this.#commitIndex) {
      if (index <= this.#log.lastIndex && this.#log.termAt(index) === request.lastTerm) {
        // The log already holds what the snapshot covers: commit it the ordinary way.
        this.#verifiedIndex = Math.max(this.#verifiedIndex, index);
        this.#advanceCommit(index);
      } else {
        this.#log.resetTo(index, request.lastTerm);
        // On disk, what matches the snapshot is at most what was committed before it.
        const writeId = this.#writes.begin(this.#commitIndex + 1, index);
        this.#snapshot = request.data;
        this.#commitIndex = index;
        this.#verifiedIndex = Math.max(this.#verifiedIndex, index);
        this.#effects.push({
          type: "installSnapshot",
          writeId,
          index,
          term: request.lastTerm,
          data: request.data,
        });
      }
    } else {
      this.#verifiedIndex = Math.max(this.#verifiedIndex, index);
    }
    this.#acknowledge(from);
  }

  #onSnapshotTaken(index: number, data: Uint8Array): void {
    assert(index <= this.#commitIndex, "a snapshot covers only committed entries");
    if (index <= this.#log.startIndex) return;
    this.#log.compactTo(index);
    this.#snapshot = data;
    this.#effects.push({ type: "compactLog", index });
  }

  /** Tells the leader how far this log durably matches its own. */
  #acknowledge(leaderId: number): void {
    const matchIndex = Math.min(this.#verifiedIndex, this.#writes.persistedIndex);
    this.#ackedIndex = Math.max(this.#ackedIndex, matchIndex);
    this.#send(leaderId, {
      type: "appendResponse",
      term: this.#term,
      success: true,
      matchIndex,
      rejectedIndex: 0,
      conflictTerm: null,
      conflictIndex: 0,
    });
  }

  #onAppendResponse(from: number, response: AppendResponse, nowMs: number): void {
    if (this.#role !== "leader") return;
    const progress = this.#progress.get(from) as Progress;
    progress.lastHeardMs = nowMs;
    if (response.success) {
      assert(
        response.matchIndex <= this.#log.lastIndex,
        "a follower matches no entry the leader lacks",
      );
      if (response.matchIndex <= progress.match) return;
      progress.match = response.matchIndex;
      progress.next = Math.max(progress.next, progress.match + 1);
      if (progress.match >= this.#log.startIndex) {
        progress.snapshotSentMs = Number.NEGATIVE_INFINITY;
      }
      this.#maybeCommit();
      if (progress.next <= this.#log.lastIndex) this.#sendAppend(from, nowMs);
      return;
    }
    // A refusal older than what the follower has since matched, or than our last back-off.
    if (response.rejectedIndex < progress.match || response.rejectedIndex >= progress.next) return;
    let hint = response.conflictIndex;
    if (response.conflictTerm !== null) {
      const last = this.#log.lastIndexOfTerm(response.conflictTerm);
      if (last !== null) hint = last + 1;
    }
    progress.next = Math.max(progress.match + 1, 1, Math.min(hint, response.rejectedIndex));
    this.#sendAppend(from, nowMs);
  }

  #sendAppend(to: number, nowMs: number): void {
    const progress = this.#progress.get(to) as Progress;
    const prevLogIndex = progress.next - 1;
    if (prevLogIndex < this.#log.startIndex) {
      // A snapshot is large: one in flight per election timeout, not one per heartbeat.
      if (nowMs - progress.snapshotSentMs < this.config.electionTimeoutMs) return;
      progress.snapshotSentMs = nowMs;
      this.#send(to, {
        type: "installSnapshot",
        term: this.#term,
        lastIndex: this.#log.startIndex,
        lastTerm: this.#log.startTerm,
        data: this.#snapshot as Uint8Array,
      });
      return;
    }
    const prevLogTerm = this.#log.termAt(prevLogIndex);
    assert(prevLogTerm !== null, "a leader sends from within its log");
    const last = Math.min(this.#log.lastIndex, prevLogIndex + this.config.appendEntriesMax);
    this.#send(to, {
      type: "append",
      term: this.#term,
      prevLogIndex,
      prevLogTerm,
      entries: last > prevLogIndex ? this.#log.slice(progress.next, last) : [],
      leaderCommit: this.#commitIndex,
    });
  }

  // --- log and commit ---------------------------------------------------------------------

  #onPropose(data: Uint8Array, nowMs: number): void {
    if (this.#role !== "leader") {
      this.#effects.push({
        type: "proposalRefused",
        code: "NOT_CONTROLLER",
        leaderId: this.#leaderId,
        term: this.#term,
      });
      return;
    }
    const index = this.#log.lastIndex + 1;
    this.#writeLog(index, [{ term: this.#term, data }]);
    this.#effects.push({ type: "proposed", index, term: this.#term });
    // Followers with an append in flight get this entry with the next one (or the heartbeat).
    for (const [id, progress] of this.#progress) {
      if (progress.next === index) this.#sendAppend(id, nowMs);
    }
  }

  #writeLog(fromIndex: number, entries: readonly Entry[]): void {
    assert(
      this.#role !== "leader" || fromIndex === this.#log.lastIndex + 1,
      "a leader never overwrites its own log",
    );
    this.#log.replaceFrom(fromIndex, entries);
    const writeId = this.#writes.begin(fromIndex, this.#log.lastIndex);
    this.#effects.push({ type: "appendLog", writeId, fromIndex, entries });
  }

  #onPersisted(writeId: number): void {
    this.#writes.complete(writeId);
    if (this.#role === "leader") {
      this.#maybeCommit();
    } else if (this.#role === "follower" && this.#leaderId !== null) {
      if (Math.min(this.#verifiedIndex, this.#writes.persistedIndex) > this.#ackedIndex) {
        this.#acknowledge(this.#leaderId);
      }
    }
  }

  /** Commits the highest index a majority durably holds, if it is of this term (§5.4.2). */
  #maybeCommit(): void {
    const matches = [this.#writes.persistedIndex];
    for (const progress of this.#progress.values()) matches.push(progress.match);
    matches.sort((a, b) => b - a);
    const quorumIndex = matches[this.#majority - 1];
    if (quorumIndex <= this.#commitIndex) return;
    if (this.#log.termAt(quorumIndex) !== this.#term) return;
    this.#advanceCommit(quorumIndex);
  }

  #advanceCommit(index: number): void {
    assert(
      index > this.#commitIndex && index <= this.#log.lastIndex,
      "commit index only advances, within the log",
    );
    const fromIndex = this.#commitIndex + 1;
    this.#effects.push({ type: "commit", fromIndex, entries: this.#log.slice(fromIndex, index) });
    this.#commitIndex = index;
  }
}
