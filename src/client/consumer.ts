// A consumer of explicitly assigned partitions, or, with a groupId, of the partitions the
// group's coordinator assigns it (group-session.ts: membership, commits, rebalance callbacks).
// A background loop keeps one Fetch per leader in flight while the buffer of fetched records is
// below its bound, so the next records are usually there before the caller asks (prefetch);
// poll() and `for await` take from that buffer. seek() bumps a partition's epoch, which
// discards buffered and in-flight records fetched for the old position.

import type { FetchPartitionResultBody, OffsetCommitEntry } from "../protocol/cbor/messages.ts";
import { toTributaryError, TributaryError } from "../errors.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";
import { listOffsets } from "./admin.ts";
import { type ClientRuntime, ClusterClient, type ClusterOptions } from "./cluster.ts";
import { type ConsumerRecord, recordsFrom, type TopicPartition } from "./fetched-records.ts";
import { type GroupClient, WireGroupClient } from "./group-client.ts";
import { isFenced } from "./group-membership.ts";
import { GroupSession, type PartitionControl, type RebalanceCallback } from "./group-session.ts";
import { Notifier } from "./notifier.ts";

export type { ConsumerRecord, TopicPartition } from "./fetched-records.ts";
export type { GroupClient } from "./group-client.ts";
export type { RebalanceCallback } from "./group-session.ts";

export type OffsetResetPolicy = "earliest" | "latest" | "none";

export interface ConsumerOptions extends ClusterOptions, GroupConsumerOptions {
  /** Where to start without a position, or after OFFSET_OUT_OF_RANGE (default "latest"). */
  autoOffsetReset?: OffsetResetPolicy;
  /** How long the broker may hold a Fetch waiting for data. */
  fetchMaxWaitMs?: number;
  fetchMinBytes?: number;
  /** Cap on one Fetch response. */
  fetchMaxBytes?: number;
  /** Cap per partition in one Fetch (at least one whole batch is returned regardless). */
  partitionFetchBytesMax?: number;
  /** Prefetching stops while this many records are buffered. */
  bufferedRecordsMax?: number;
  /** Records one poll() returns at most. */
  maxPollRecords?: number;
  retryBackoffMs?: number;
}

/** With a groupId, the consumer is a member of that group (docs/groups.md). */
export interface GroupConsumerOptions {
  /** Join this group; partitions are then assigned by its coordinator (assign() is refused). */
  groupId?: string;
  /** Topics to subscribe to; required with groupId. */
  topics?: readonly string[];
  /** The coordinator removes a member not heard from for this long (broker default 45 s). */
  sessionTimeoutMs?: number;
  /** How long a revocation (commit and onPartitionsRevoked) may take (broker default 5 min). */
  rebalanceTimeoutMs?: number;
  /** Static membership: a restart within the session timeout keeps the partitions. */
  instanceId?: string;
  /** "sticky" (broker default), "range" or "round-robin"; the group's first member decides. */
  assignor?: string;
  /** Commit processed positions every autoCommitIntervalMs, on revocation and on close (default true). */
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** After committed offsets are known, before fetching starts; may seek(). */
  onPartitionsAssigned?: RebalanceCallback;
  /** After fetching stopped and (with auto-commit) positions were committed. */
  onPartitionsRevoked?: RebalanceCallback;
  /** Fenced: the partitions are already someone else's; nothing was committed (default: onPartitionsRevoked). */
  onPartitionsLost?: RebalanceCallback;
  /** Replaces the group operations on the wire (tests). */
  groupClient?: GroupClient;
}

/** Where a partition's position comes from when it has none. */
type ResetKind = "committed" | "earliest" | "latest";

interface Assignment {
  readonly tp: TopicPartition;
  /** Offset of the next record handed to the caller; null until reset resolves it. */
  position: number | null;
  /** Offset the next Fetch starts at. */
  fetchOffset: number | null;
  reset: ResetKind | null;
  /** Bumped by seek(); fetched records of an older epoch are dropped. */
  epoch: number;
  /** False while a group partition waits for its callback or is being revoked. */
  active: boolean;
  /** Group mode: the position as of the latest poll(), which auto-commit may commit. */
  processed: number | null;
  /** Group mode: the offset last committed (or found committed) for the partition. */
  committed: number | null;
}

interface Chunk {
  readonly assignment: Assignment;
  readonly epoch: number;
  readonly records: ConsumerRecord[];
  index: number;
}

const tpKey = (tp: TopicPartition) => `${tp.partition}\u0000${tp.topic}`;

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly #cluster: ClusterClient;
  readonly #rt: ClientRuntime;
  readonly #options: Required<
    Omit<ConsumerOptions, keyof ClusterOptions | keyof GroupConsumerOptions>
  >;
  readonly #assigned = new Map<string, Assignment>();
  readonly #chunks: Chunk[] = [];
  readonly #dataArrived: Notifier;
  readonly #spaceFreed: Notifier;
  readonly #group: GroupSession | null;
  readonly #groupId: string;
  /** Assignments the latest poll() handed records from: processed once poll() is called again. */
  readonly #handedOut = new Set<Assignment>();
  #buffered = 0;
  #error: unknown = null;
  /** A failure that ends group membership: every poll() throws it. */
  #fatal: unknown = null;
  #loop: Promise<void> | null = null;
  #closed = false;
  /** Aborted by close(), so a retry backoff does not hold close() up. */
  readonly #closing = new AbortController();

  constructor(rt: ClientRuntime, options: ConsumerOptions) {
    this.#rt = rt;
    this.#cluster = new ClusterClient(rt, options);
    this.#options = {
      autoOffsetReset: options.autoOffsetReset ?? "latest",
      fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
      fetchMinBytes: options.fetchMinBytes ?? 1,
      fetchMaxBytes: options.fetchMaxBytes ?? 8 * 1024 * 1024,
      partitionFetchBytesMax: options.partitionFetchBytesMax ?? 1024 * 1024,
      bufferedRecordsMax: options.bufferedRecordsMax ?? 20_000,
      maxPollRecords: options.maxPollRecords ?? 500,
      retryBackoffMs: options.retryBackoffMs ?? 100,
    };
    this.#dataArrived = new Notifier(rt.timers);
    this.#spaceFreed = new Notifier(rt.timers);
    this.#groupId = options.groupId ?? "";
    this.#group = options.groupId === undefined ? null : this.#joinGroup(options);
    this.#group?.start();
  }

  /** Replaces the assignment; partitions kept keep their positions. Not for group members. */
  assign(tps: TopicPartition[]): void {
    this.#checkOpen();
    if (this.#group) {
      throw new TributaryError(
        "INVALID_REQUEST",
        "a group member's partitions are assigned by the group; assign() is for consumers without groupId",
      );
    }
    const keep = new Set(tps.map(tpKey));
    for (const [key, a] of this.#assigned) {
      if (!keep.has(key)) {
        a.epoch++;
        this.#assigned.delete(key);
      }
    }
    for (const tp of tps) {
      const key = tpKey(tp);
      if (this.#assigned.has(key)) continue;
      const reset = this.#options.autoOffsetReset === "none" ? null : this.#options.autoOffsetReset;
      this.#assigned.set(key, newAssignment(tp, reset));
    }
    this.#dropStale();
    this.#startLoop();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  assignment(): TopicPartition[] {
    return [...this.#assigned.values()].map((a) => ({ ...a.tp }));
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `seek offset must be a non-negative integer, got ${offset}`,
      );
    }
    this.#reposition(this.#get(tp), offset, null);
  }

  seekToBeginning(tps?: TopicPartition[]): void {
    for (const a of this.#select(tps)) this.#reposition(a, null, "earliest");
  }

  seekToEnd(tps?: TopicPartition[]): void {
    for (const a of this.#select(tps)) this.#reposition(a, null, "latest");
  }

  /** The offset of the next record poll() returns for tp (resolves a pending reset). */
  async position(tp: TopicPartition): Promise<number> {
    const a = this.#get(tp);
    if (a.position === null) await this.#resolveReset(a);
    if (a.position === null) {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `no position for ${tp.topic}-${tp.partition}`,
      );
    }
    return a.position;
  }

  /**
   * Up to maxRecords buffered records, waiting up to timeoutMs for the first; [] once closed.
   * In a group, calling poll() again marks the records it returned before as processed.
   */
  async poll(options: { timeoutMs?: number; maxRecords?: number } = {}): Promise<ConsumerRecord[]> {
    const maxRecords = options.maxRecords ?? this.#options.maxPollRecords;
    const deadlineMs = this.#rt.clock.monotonicMs() + (options.timeoutMs ?? 1000);
    this.#markProcessed();
    for (;;) {
      if (this.#fatal !== null) throw this.#fatal;
      if (this.#error !== null) {
        const err = this.#error;
        this.#error = null;
        throw err;
      }
      const records = this.#take(maxRecords);
      if (records.length > 0 || this.#closed) return records;
      const leftMs = deadlineMs - this.#rt.clock.monotonicMs();
      if (leftMs <= 0) return records;
      await this.#dataArrived.wait(leftMs);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    while (!this.#closed) {
      // One at a time, so a seek() between records takes effect at once.
      const [record] = await this.poll({ timeoutMs: 60_000, maxRecords: 1 });
      if (record) yield record;
    }
  }

  /**
   * Stops fetching and ends iteration; buffered records are dropped. A group member then
   * commits what was handed out (with auto-commit), calls onPartitionsRevoked and leaves the
   * group; a commit failure is thrown after all of that is done.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#dataArrived.notify();
    this.#spaceFreed.notify();
    try {
      await this.#group?.close();
    } finally {
      await this.#cluster.close();
      await this.#loop;
    }
  }

  /**
   * Group mode: commits the given offsets (the next offset to read, per partition), or else the
   * position after every record handed out so far; resolves once they are durable.
   */
  async commit(offsets?: readonly OffsetCommitEntry[]): Promise<void> {
    await this.#groupSession().commit(offsets);
  }

  /** Like commit(), without waiting; the outcome goes to onComplete, else failures to poll(). */
  commitAsync(
    offsets?: readonly OffsetCommitEntry[],
    onComplete?: (err: unknown) => void,
  ): void {
    this.#groupSession().commit(offsets).then(
      () => onComplete?.(null),
      (err) => {
        if (onComplete) onComplete(err);
        else if (!isFenced(err)) this.#report(err, false);
      },
    );
  }

  /** Group mode: the group's committed offsets (of tps, or every committed one). */
  committed(tps?: TopicPartition[]): Promise<Array<TopicPartition & { offset: number | null }>> {
    return this.#groupSession().committed(tps);
  }

  /** Group mode: this member's id and epoch as the coordinator last told them ("" and 0 before). */
  groupMetadata(): { groupId: string; memberId: string; memberEpoch: number } | null {
    if (!this.#group) return null;
    const { memberId, memberEpoch } = this.#group;
    return { groupId: this.#groupId, memberId, memberEpoch };
  }

  #take(maxRecords: number): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    while (out.length < maxRecords && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const a = chunk.assignment;
      if (chunk.epoch !== a.epoch || chunk.index >= chunk.records.length) {
        this.#chunks.shift();
        this.#buffered -= chunk.records.length - chunk.index;
        continue;
      }
      const record = chunk.records[chunk.index++];
      this.#buffered--;
      a.position = record.offset + 1;
      this.#handedOut.add(a);
      out.push(record);
    }
    if (out.length > 0) this.#spaceFreed.notify();
    return out;
  }

  #reposition(a: Assignment, offset: number | null, reset: ResetKind | null): void {
    a.epoch++;
    a.position = offset;
    a.fetchOffset = offset;
    a.processed = offset;
    a.reset = reset;
    this.#dropStale();
    this.#spaceFreed.notify();
  }

  #dropStale(): void {
    for (let i = this.#chunks.length - 1; i >= 0; i--) {
      const chunk = this.#chunks[i];
      if (
        chunk.epoch === chunk.assignment.epoch &&
        this.#assigned.get(tpKey(chunk.assignment.tp)) === chunk.assignment
      ) continue;
      this.#buffered -= chunk.records.length - chunk.index;
      this.#chunks.splice(i, 1);
    }
  }

  #get(tp: TopicPartition): Assignment {
    const a = this.#assigned.get(tpKey(tp));
    if (!a) {
      throw new TributaryError("INVALID_REQUEST", `${tp.topic}-${tp.partition} is not assigned`);
    }
    return a;
  }

  #select(tps: TopicPartition[] | undefined): Assignment[] {
    return tps === undefined ? [...this.#assigned.values()] : tps.map((tp) => this.#get(tp));
  }

  #markProcessed(): void {
    for (const a of this.#handedOut) a.processed = a.position;
    this.#handedOut.clear();
  }

  #report(err: unknown, fatal: boolean): void {
    if (fatal) this.#fatal ??= err;
    else this.#error = err;
    this.#dataArrived.notify();
  }

  #groupSession(): GroupSession {
    if (!this.#group) {
      throw new TributaryError("INVALID_REQUEST", "only a consumer with a groupId commits offsets");
    }
    return this.#group;
  }

  #joinGroup(options: ConsumerOptions): GroupSession {
    const groupId = options.groupId ?? "";
    const topics = options.topics ?? [];
    if (groupId === "" || topics.length === 0) {
      throw new TributaryError("INVALID_CONFIG", "a group consumer needs a groupId and topics");
    }
    const client = options.groupClient ?? new WireGroupClient(this.#cluster, groupId);
    return new GroupSession(this.#rt, client, {
      groupId,
      topics: [...new Set(topics)],
      instanceId: options.instanceId ?? null,
      clientId: this.#cluster.clientId,
      sessionTimeoutMs: options.sessionTimeoutMs ?? null,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? null,
      assignor: options.assignor ?? null,
      enableAutoCommit: options.enableAutoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
      retryBackoffMs: this.#options.retryBackoffMs,
      onPartitionsAssigned: options.onPartitionsAssigned,
      onPartitionsRevoked: options.onPartitionsRevoked,
      onPartitionsLost: options.onPartitionsLost,
    }, this.#partitionControl());
  }

  /** The fetch state as the group session drives it (see PartitionControl). */
  #partitionControl(): PartitionControl {
    const each = (tps: TopicPartition[], f: (a: Assignment) => void) => {
      for (const tp of tps) {
        const a = this.#assigned.get(tpKey(tp));
        if (a) f(a);
      }
    };
    return {
      add: (tps) => {
        for (const tp of tps) {
          const a = newAssignment(tp, "committed");
          a.active = false;
          this.#assigned.set(tpKey(tp), a);
        }
      },
      resolveCommitted: (tps) => {
        const list: Assignment[] = [];
        each(tps, (a) => void (a.reset === "committed" && list.push(a)));
        return this.#resolveCommitted(list);
      },
      resume: (tps) => {
        each(tps, (a) => (a.active = true));
        this.#startLoop();
        this.#spaceFreed.notify();
      },
      pause: (tps) => {
        each(tps, (a) => {
          a.active = false;
          a.epoch++;
        });
        this.#dropStale();
      },
      remove: (tps) => {
        each(tps, (a) => {
          a.epoch++;
          this.#assigned.delete(tpKey(a.tp));
          this.#handedOut.delete(a);
        });
        this.#dropStale();
      },
      uncommitted: (kind, tps) => {
        const list = tps === undefined ? [...this.#assigned.values()] : [];
        if (tps !== undefined) each(tps, (a) => list.push(a));
        const out: OffsetCommitEntry[] = [];
        for (const a of list) {
          const offset = kind === "processed" ? a.processed : a.position;
          if (offset !== null && offset !== a.committed) out.push({ ...a.tp, offset });
        }
        return out;
      },
      markCommitted: (offsets) => {
        for (const o of offsets) {
          const a = this.#assigned.get(tpKey(o));
          if (a) a.committed = o.offset;
        }
      },
      markAllProcessed: () => {
        for (const a of this.#assigned.values()) a.processed = a.position;
        this.#handedOut.clear();
      },
      report: (err, fatal) => this.#report(err, fatal),
    };
  }

  /** Starts partitions at their committed offsets; those without one fall back to the policy. */
  async #resolveCommitted(list: Assignment[]): Promise<void> {
    if (list.length === 0 || !this.#group) return;
    const epochs = list.map((a) => a.epoch);
    const entries = await this.#group.fetchCommitted(list.map((a) => a.tp));
    const found = new Map(entries.map((e) => [tpKey(e), e.offset]));
    list.forEach((a, i) => {
      if (a.epoch !== epochs[i] || a.reset !== "committed") return;
      const offset = found.get(tpKey(a.tp)) ?? null;
      a.committed = offset;
      if (offset === null) {
        const policy = this.#options.autoOffsetReset;
        a.reset = policy === "none" ? null : policy;
        return;
      }
      a.position = a.fetchOffset = a.processed = offset;
      a.reset = null;
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new TributaryError("INVALID_REQUEST", "consumer is closed");
  }

  #startLoop(): void {
    if (this.#loop || this.#closed) return;
    this.#loop = this.#fetchLoop();
  }

  async #fetchLoop(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      if (this.#buffered >= this.#options.bufferedRecordsMax || this.#assigned.size === 0) {
        await this.#spaceFreed.wait(1000);
        continue;
      }
      try {
        await this.#fetchOnce();
        failures = 0;
      } catch (err) {
        if (this.#closed) return;
        failures++;
        // A fenced member's partitions are about to be taken away: nothing for the user to do.
        if (!(this.#group && isFenced(err))) this.#report(toTributaryError(err), false);
        await this.#backoff(
          Math.min(this.#options.retryBackoffMs * 2 ** Math.min(failures, 5), 5000),
        );
      }
    }
  }

  async #backoff(delayMs: number): Promise<void> {
    try {
      await this.#rt.timers.sleep(delayMs, this.#closing.signal);
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }

  async #fetchOnce(): Promise<void> {
    const ready: Array<{ a: Assignment; epoch: number; offset: number }> = [];
    const active = [...this.#assigned.values()].filter((a) => a.active);
    await this.#resolveCommitted(active.filter((a) => a.reset === "committed"));
    for (const a of active) {
      if (a.fetchOffset === null) await this.#resolveReset(a);
      if (a.fetchOffset !== null) ready.push({ a, epoch: a.epoch, offset: a.fetchOffset });
    }
    if (ready.length === 0) {
      await this.#spaceFreed.wait(1000);
      return;
    }
    const byLeader = new Map<number, typeof ready>();
    for (const entry of ready) {
      const route = await this.#cluster.route(entry.a.tp.topic);
      const leader = route.leaders[entry.a.tp.partition] ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), entry]);
    }
    await Promise.all([...byLeader].map(([leader, entries]) => this.#fetchFrom(leader, entries)));
  }

  async #fetchFrom(
    leader: number,
    entries: Array<{ a: Assignment; epoch: number; offset: number }>,
  ): Promise<void> {
    const response = await this.#cluster.request(
      "Fetch",
      {
        maxWaitMs: this.#options.fetchMaxWaitMs,
        minBytes: this.#options.fetchMinBytes,
        maxBytes: this.#options.fetchMaxBytes,
        partitions: entries.map(({ a, offset }) => ({
          ...a.tp,
          offset,
          maxBytes: this.#options.partitionFetchBytesMax,
        })),
      },
      leader >= 0 ? leader : undefined,
    );
    for (const entry of entries) {
      const result = response.partitions.find((p) =>
        p.topic === entry.a.tp.topic && p.partition === entry.a.tp.partition
      );
      if (result && entry.a.epoch === entry.epoch && !this.#closed) {
        await this.#accept(entry.a, entry.offset, result);
      }
    }
  }

  async #accept(a: Assignment, offset: number, result: FetchPartitionResultBody): Promise<void> {
    if (result.error) {
      const err = fromWireError(result.error);
      if (err.code === "OFFSET_OUT_OF_RANGE" && this.#options.autoOffsetReset !== "none") {
        // Kafka resets to the policy, not to the committed offset that is out of range.
        this.#reposition(a, null, this.#options.autoOffsetReset);
        return;
      }
      if (err.retriable) this.#cluster.invalidate(a.tp.topic);
      throw err;
    }
    const epoch = a.epoch;
    const fetched = await recordsFrom(a.tp, result.records, offset);
    if (a.epoch !== epoch) return;
    a.fetchOffset = fetched.nextOffset;
    if (fetched.records.length === 0) return;
    this.#chunks.push({ assignment: a, epoch, records: fetched.records, index: 0 });
    this.#buffered += fetched.records.length;
    this.#dataArrived.notify();
  }

  async #resolveReset(a: Assignment): Promise<void> {
    if (a.reset === "committed") await this.#resolveCommitted([a]);
    if (a.reset === null) {
      if (a.position !== null) return;
      const why = this.#group ? "no committed offset" : "no position";
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `${why} for ${a.tp.topic}-${a.tp.partition} and autoOffsetReset is "none": seek first`,
      );
    }
    if (a.reset === "committed") return;
    const epoch = a.epoch;
    const { offset } = await listOffsets(this.#cluster, a.tp.topic, a.tp.partition, a.reset);
    if (a.epoch !== epoch) return;
    a.position = offset;
    a.fetchOffset = offset;
    a.processed ??= offset;
    a.reset = null;
  }
}

function newAssignment(tp: TopicPartition, reset: ResetKind | null): Assignment {
  return {
    tp: { topic: tp.topic, partition: tp.partition },
    position: null,
    fetchOffset: null,
    reset,
    epoch: 0,
    active: true,
    processed: null,
    committed: null,
  };
}
