// Consumer-group members driven over HTTP. The broker itself consumes for them: it keeps each
// member's epoch, last assignment and fetch positions here, keyed by group and member id, so a
// member works from any HTTP connection (no "consumer instance not found" on another one).
//
// Revocation rule (docs/http.md): an HTTP member owns exactly the assignment of its last
// response, since only the broker reads for it. Its next records or heartbeat request reports
// that as its owned partitions, which completes any revocation that response announced. Every
// request of one member runs to completion before the next starts, so such a report is never
// stale (the concern behind docs/groups.md rule 3).
//
// Positions start at the committed offset, else at autoOffsetReset, and advance as records are
// returned. With autoCommit the positions reached so far are committed at the start of the next
// records request, before its heartbeat: everything handed out before counts as processed
// (at-least-once, like Kafka's auto-commit on poll).
//
// Moves: a join writes the member's HTTP member record (its autoOffsetReset) to
// `__consumer_offsets` with the join itself; its membership, epoch and assignment are the
// group's own records. So whichever broker coordinates the group next knows the member. Each
// request checks that the coordinator answering is the one the member's state here was built
// under (the `tenure` of the group's partition): if the partition was loaded again since (moved
// away and maybe back), the state here is stale (another broker may have served the member and
// committed further) and is rebuilt from the coordinator's view, positions from the committed
// offsets. Positions are not recorded: a moved member may be handed again what it had been
// handed since its last commit (at-least-once), never less.
import type { Clock, Timers } from "../../runtime/types.ts";
import type { FetchPartitionResult, FetchRequest } from "../broker/types.ts";
import { isErrorCode, TributaryError } from "../model/errors.ts";
import type { Assignment } from "../group/mod.ts";
import { FETCH_PARTITIONS_MAX } from "../model/limits.ts";
import { KeyedSerial } from "./keyed-serial.ts";
import type { AutoOffsetReset } from "./http-member-record.ts";
import type { GroupServiceApi, HttpMemberDirectory } from "./types.ts";

export { AUTO_OFFSET_RESETS, type AutoOffsetReset } from "./http-member-record.ts";

export interface HttpJoinRequest {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number | null;
  rebalanceTimeoutMs?: number | null;
  instanceId?: string | null;
  /** Where to start in a partition without a committed offset (default "latest", as Kafka). */
  autoOffsetReset?: AutoOffsetReset | null;
  clientId?: string | null;
  assignor?: string | null;
}

export interface HttpMemberView {
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: Assignment;
}

export interface PollRequest {
  groupId: string;
  memberId: string;
  /** Longest to wait for data; capped at the member's heartbeat interval. */
  waitMs: number;
  bytesMax: number;
  autoCommit: boolean;
  signal?: AbortSignal;
}

export interface PolledPartition {
  topic: string;
  partition: number;
  /** The member's position: records below it in `records` are not to be returned. */
  fromOffset: number;
  highWatermark: number;
  records: Uint8Array;
}

/** Decodes what was fetched and says where each partition's position moves to. */
export type ConsumePolled = (
  polled: PolledPartition[],
) => Promise<Array<{ topic: string; partition: number; nextOffset: number }>>;

export interface HttpMembersBroker {
  fetch(request: FetchRequest): Promise<FetchPartitionResult[]>;
  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined;
}

export interface HttpMembersOptions {
  /** HTTP members the broker tracks at once (default 10,000). */
  membersMax?: number;
  /** Requests of one member running or waiting at once (default 8). */
  requestsPerMemberMax?: number;
}

interface MemberState {
  groupId: string;
  memberId: string;
  epoch: number;
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  autoOffsetReset: AutoOffsetReset;
  assignment: Assignment;
  positions: Map<string, { topic: string; partition: number; offset: number }>;
  /** Positions as last committed by autoCommit. */
  committed: Map<string, number>;
  lastSeenMs: number;
  /** The coordinator (load of the group's partition) this state was built under. */
  tenure: object;
}

const FENCED: ReadonlySet<string> = new Set([
  "UNKNOWN_MEMBER_ID",
  "FENCED_MEMBER_EPOCH",
  "FENCED_INSTANCE_ID",
  "GROUP_ID_NOT_FOUND",
]);

/**
 * Fetch errors of one partition that leave it out of this answer only: its leader is moving or
 * cannot be reached (leader-fetch.ts), and the next request tries again.
 */
const UNREADABLE_NOW: ReadonlySet<string> = new Set([
  "NOT_LEADER_OR_FOLLOWER",
  "LEADER_NOT_AVAILABLE",
  "FENCED_LEADER_EPOCH",
  "BROKER_NOT_AVAILABLE",
  "NETWORK_EXCEPTION",
  "REQUEST_TIMED_OUT",
]);

export class HttpMembers {
  readonly #groups: GroupServiceApi & HttpMemberDirectory;
  readonly #broker: HttpMembersBroker;
  readonly #clock: Pick<Clock, "nowMs">;
  readonly #timers: Pick<Timers, "sleep">;
  readonly #members = new Map<string, MemberState>();
  readonly #serial: KeyedSerial;
  readonly #membersMax: number;

  constructor(
    groups: GroupServiceApi & HttpMemberDirectory,
    broker: HttpMembersBroker,
    rt: { clock: Pick<Clock, "nowMs">; timers: Pick<Timers, "sleep"> },
    options: HttpMembersOptions = {},
  ) {
    this.#groups = groups;
    this.#broker = broker;
    this.#clock = rt.clock;
    this.#timers = rt.timers;
    this.#membersMax = options.membersMax ?? 10_000;
    this.#serial = new KeyedSerial(options.requestsPerMemberMax ?? 8);
  }

  /** HTTP members tracked right now. */
  get size(): number {
    return this.#members.size;
  }

  async join(req: HttpJoinRequest): Promise<HttpMemberView> {
    this.#sweep();
    if (this.#members.size >= this.#membersMax) {
      throw new TributaryError(
        "COORDINATOR_NOT_AVAILABLE",
        `the broker already serves ${this.#membersMax} HTTP members`,
      );
    }
    const autoOffsetReset = req.autoOffsetReset ?? "latest";
    const { response, tenure } = await this.#groups.joinHttp({
      groupId: req.groupId,
      memberId: "",
      memberEpoch: 0,
      instanceId: req.instanceId ?? null,
      clientId: req.clientId ?? "tributary-http",
      subscribedTopics: req.topics,
      sessionTimeoutMs: req.sessionTimeoutMs ?? null,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? null,
      assignor: req.assignor ?? null,
      ownedPartitions: [],
    }, autoOffsetReset);
    const st: MemberState = {
      groupId: req.groupId,
      memberId: response.memberId,
      epoch: response.memberEpoch,
      heartbeatIntervalMs: response.heartbeatIntervalMs,
      sessionTimeoutMs: this.#sessionTimeoutOf(req.groupId, response.memberId),
      autoOffsetReset,
      assignment: response.assignment,
      positions: new Map(),
      committed: new Map(),
      lastSeenMs: this.#clock.nowMs(),
      tenure,
    };
    this.#members.set(memberKey(req.groupId, response.memberId), st);
    return view(st);
  }

  heartbeat(groupId: string, memberId: string): Promise<HttpMemberView> {
    return this.#serial.run(memberKey(groupId, memberId), async () => {
      const st = this.#stateOf(groupId, memberId);
      await this.#beat(st);
      return view(st);
    });
  }

  /** Heartbeat, then read the assigned partitions from the member's positions. */
  poll(req: PollRequest, consume: ConsumePolled): Promise<HttpMemberView> {
    return this.#serial.run(memberKey(req.groupId, req.memberId), async () => {
      const st = this.#stateOf(req.groupId, req.memberId);
      if (req.autoCommit) await this.#commitPositions(st);
      await this.#beat(st);
      await this.#initPositions(st);
      const polled = await this.#fetch(st, req);
      for (const moved of await consume(polled)) {
        const at = st.positions.get(partitionKey(moved.topic, moved.partition));
        if (at !== undefined) at.offset = Math.max(at.offset, moved.nextOffset);
      }
      return view(st);
    });
  }

  leave(groupId: string, memberId: string): Promise<void> {
    return this.#serial.run(memberKey(groupId, memberId), async () => {
      try {
        // A static member leaves under its instance id (the coordinator checks that it matches).
        await this.#groups.leave({
          groupId,
          memberId,
          instanceId: this.#instanceOf(groupId, memberId),
        });
      } finally {
        this.#members.delete(memberKey(groupId, memberId));
      }
    });
  }

  /** The epoch of a member the broker consumes for (commits may leave it out). */
  epochOf(groupId: string, memberId: string): number | undefined {
    const { tenure, record } = this.#groups.httpMemberOf(groupId, memberId);
    const known = this.#members.get(memberKey(groupId, memberId));
    if (known !== undefined && known.tenure === tenure) return known.epoch;
    if (record === undefined) return undefined;
    return this.#groups.describeGroup(groupId).members.find((m) => m.memberId === memberId)
      ?.memberEpoch;
  }

  /**
   * State of a member served here under the current coordinator, else rebuilt from the
   * coordinator's view: after a restart, or a move of the group's partition (which may have
   * come back here since, leaving this state stale). A member without an HTTP member record
   * (one that joined before brokers wrote them) starts with autoOffsetReset "latest".
   */
  #stateOf(groupId: string, memberId: string): MemberState {
    const { tenure, record } = this.#groups.httpMemberOf(groupId, memberId);
    const known = this.#members.get(memberKey(groupId, memberId));
    if (known !== undefined && known.tenure === tenure) return known;
    this.#members.delete(memberKey(groupId, memberId));
    const described = this.#groups.describeGroup(groupId).members.find((m) =>
      m.memberId === memberId
    );
    if (described === undefined) {
      throw new TributaryError("UNKNOWN_MEMBER_ID", `no member ${memberId} in group ${groupId}`);
    }
    if (this.#members.size >= this.#membersMax) {
      throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "too many HTTP members");
    }
    const st: MemberState = {
      groupId,
      memberId,
      epoch: described.memberEpoch,
      heartbeatIntervalMs: 0,
      sessionTimeoutMs: described.sessionTimeoutMs,
      autoOffsetReset: record?.autoOffsetReset ?? "latest",
      // Nothing is being read for it now: what it may own is all it owns.
      assignment: described.assignment,
      positions: new Map(),
      committed: new Map(),
      lastSeenMs: this.#clock.nowMs(),
      tenure,
    };
    this.#members.set(memberKey(groupId, memberId), st);
    return st;
  }

  async #beat(st: MemberState): Promise<void> {
    try {
      const response = await this.#groups.heartbeat({
        groupId: st.groupId,
        memberId: st.memberId,
        memberEpoch: st.epoch,
        ownedPartitions: st.assignment,
      });
      st.epoch = response.memberEpoch;
      st.heartbeatIntervalMs = response.heartbeatIntervalMs;
      st.assignment = response.assignment;
      st.lastSeenMs = this.#clock.nowMs();
    } catch (err) {
      if (err instanceof TributaryError && FENCED.has(err.code)) {
        this.#members.delete(memberKey(st.groupId, st.memberId));
      }
      throw err;
    }
    const assigned = new Set(assignedKeys(st.assignment));
    for (const key of [...st.positions.keys()]) {
      if (!assigned.has(key)) {
        st.positions.delete(key);
        st.committed.delete(key);
      }
    }
  }

  async #initPositions(st: MemberState): Promise<void> {
    const missing = st.assignment
      .map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.filter((p) => !st.positions.has(partitionKey(topic, p))),
      }))
      .filter((t) => t.partitions.length > 0);
    if (missing.length === 0) return;
    const committed = await this.#groups.fetchOffsets({ groupId: st.groupId, topics: missing });
    for (const c of committed) {
      const key = partitionKey(c.topic, c.partition);
      if (c.offset !== null) {
        st.positions.set(key, { topic: c.topic, partition: c.partition, offset: c.offset });
        st.committed.set(key, c.offset);
      } else {
        this.#reset(st, c.topic, c.partition);
      }
    }
  }

  /** Moves a position per autoOffsetReset; "none" fails the request (OFFSET_OUT_OF_RANGE). */
  #reset(st: MemberState, topic: string, partition: number): void {
    const bounds = this.#broker.partitionOffsets(topic, partition);
    if (bounds === undefined) return;
    if (st.autoOffsetReset === "none") {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `no valid committed offset for ${topic}-${partition} and autoOffsetReset is none`,
      );
    }
    const offset = st.autoOffsetReset === "earliest" ? bounds.logStartOffset : bounds.highWatermark;
    st.positions.set(partitionKey(topic, partition), { topic, partition, offset });
  }

  async #fetch(st: MemberState, req: PollRequest): Promise<PolledPartition[]> {
    const waitMs = Math.max(0, Math.min(req.waitMs, st.heartbeatIntervalMs));
    // One poll fetches at most the broker's per-fetch limit; the rest rotate in later polls.
    const positions = [...st.positions.values()].slice(0, FETCH_PARTITIONS_MAX);
    if (positions.length === 0) {
      if (waitMs > 0) await this.#idle(waitMs, req.signal);
      return [];
    }
    const results = await this.#broker.fetch({
      partitions: positions.map((p) => ({ ...p, maxBytes: req.bytesMax })),
      maxWaitMs: waitMs,
      minBytes: 1,
      maxBytes: req.bytesMax,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const polled: PolledPartition[] = [];
    for (const r of results) {
      const at = st.positions.get(partitionKey(r.topic, r.partition));
      if (at === undefined) continue;
      if (r.error === "OFFSET_OUT_OF_RANGE") this.#reset(st, r.topic, r.partition);
      else if (r.error === "UNKNOWN_TOPIC_OR_PARTITION") continue;
      else if (r.error !== undefined && UNREADABLE_NOW.has(r.error)) continue;
      else if (r.error !== undefined) {
        const code = isErrorCode(r.error) ? r.error : "UNKNOWN_SERVER_ERROR";
        throw new TributaryError(code, r.errorMessage ?? r.error);
      } else {
        polled.push({
          topic: r.topic,
          partition: r.partition,
          fromOffset: at.offset,
          highWatermark: r.highWatermark,
          records: r.records,
        });
      }
    }
    // Round-robin across polls when there are more partitions than one fetch takes.
    if (st.positions.size > FETCH_PARTITIONS_MAX) rotate(st.positions, FETCH_PARTITIONS_MAX);
    return polled;
  }

  async #idle(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#timers.sleep(waitMs, signal).then(undefined, (err: unknown) => {
      if (signal?.aborted !== true) throw err;
    });
  }

  async #commitPositions(st: MemberState): Promise<void> {
    const offsets = [...st.positions.entries()]
      .filter(([key, at]) => st.committed.get(key) !== at.offset)
      .filter(([, at]) => this.#broker.partitionOffsets(at.topic, at.partition) !== undefined)
      .map(([, at]) => ({ topic: at.topic, partition: at.partition, offset: at.offset }));
    if (offsets.length === 0) return;
    await this.#groups.commitOffsets({
      groupId: st.groupId,
      memberId: st.memberId,
      memberEpoch: st.epoch,
      offsets,
    });
    for (const o of offsets) st.committed.set(partitionKey(o.topic, o.partition), o.offset);
  }

  #instanceOf(groupId: string, memberId: string): string | null {
    let members: ReturnType<GroupServiceApi["describeGroup"]>["members"];
    try {
      members = this.#groups.describeGroup(groupId).members;
    } catch (err) {
      // An unknown group: the leave itself answers UNKNOWN_MEMBER_ID.
      if (err instanceof TributaryError && err.code === "GROUP_ID_NOT_FOUND") return null;
      throw err;
    }
    return members.find((m) => m.memberId === memberId)?.instanceId ?? null;
  }

  #sessionTimeoutOf(groupId: string, memberId: string): number {
    const member = this.#groups.describeGroup(groupId).members.find((m) => m.memberId === memberId);
    return member?.sessionTimeoutMs ?? 0;
  }

  /** Forgets members not seen for longer than their session: the coordinator removed them. */
  #sweep(): void {
    const nowMs = this.#clock.nowMs();
    for (const [key, st] of this.#members) {
      if (nowMs - st.lastSeenMs > st.sessionTimeoutMs && this.#serial.length(key) === 0) {
        this.#members.delete(key);
      }
    }
  }
}

function view(st: MemberState): HttpMemberView {
  return {
    memberId: st.memberId,
    memberEpoch: st.epoch,
    heartbeatIntervalMs: st.heartbeatIntervalMs,
    assignment: st.assignment,
  };
}

function memberKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function assignedKeys(assignment: Assignment): string[] {
  return assignment.flatMap(({ topic, partitions }) =>
    partitions.map((p) => partitionKey(topic, p))
  );
}

/** Moves the first `count` entries to the end (Map keeps insertion order). */
function rotate<V>(map: Map<string, V>, count: number): void {
  const moved = [...map.entries()].slice(0, count);
  for (const [key, value] of moved) {
    map.delete(key);
    map.set(key, value);
  }
}
