// A consumer of explicitly assigned partitions, or, with a groupId, of the partitions the
// group's coordinator assigns it (group-session.ts: membership, commits, rebalance callbacks).
// A background loop (fetch-loop.ts) keeps one Fetch per leader in flight while the buffer of
// fetched records is below its bound, so the next records are usually there before the caller
// asks (prefetch); poll() and `for await` take from that buffer (positions.ts). seek() bumps a
// partition's epoch, which discards buffered and in-flight records fetched for the old position.

import type { OffsetCommitEntry } from "../protocol/cbor/ops/offset-commit.ts";
import { TributaryError } from "../model/errors.ts";
import { newAssignment, tpKey } from "./assignment.ts";
import { type ClientRuntime, ClusterClient } from "./cluster.ts";
import { type ConsumerOptions, type FetchSettings, fetchSettings } from "./consumer-options.ts";
import { joinGroup, partitionControl } from "./consumer-group.ts";
import { FetchLoop } from "./fetch-loop.ts";
import type { ConsumerRecord, TopicPartition } from "./fetched-records.ts";
import { isFenced } from "./group-membership.ts";
import type { GroupSession } from "./group-session.ts";
import { OffsetResets } from "./offset-reset.ts";
import { Positions } from "./positions.ts";

export type { ConsumerRecord, TopicPartition } from "./fetched-records.ts";
export type { GroupClient } from "./group-client.ts";
export type { RebalanceCallback } from "./group-session.ts";
export type {
  ConsumerOptions,
  GroupConsumerOptions,
  OffsetResetPolicy,
} from "./consumer-options.ts";

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly #cluster: ClusterClient;
  readonly #rt: ClientRuntime;
  readonly #options: FetchSettings;
  readonly #positions: Positions;
  readonly #resets: OffsetResets;
  readonly #fetcher: FetchLoop;
  readonly #group: GroupSession | null;
  readonly #groupId: string;
  #error: unknown = null;
  /** A failure that ends group membership: every poll() throws it. */
  #fatal: unknown = null;
  #closed = false;
  /** Aborted by close(), so a retry backoff does not hold close() up. */
  readonly #closing = new AbortController();

  constructor(rt: ClientRuntime, options: ConsumerOptions) {
    this.#rt = rt;
    this.#cluster = new ClusterClient(rt, options);
    this.#options = fetchSettings(options);
    this.#positions = new Positions(rt.timers);
    this.#resets = new OffsetResets(this.#cluster, {
      policy: this.#options.autoOffsetReset,
      group: () => this.#group,
    });
    this.#fetcher = new FetchLoop({
      rt,
      cluster: this.#cluster,
      settings: this.#options,
      positions: this.#positions,
      resets: this.#resets,
      closing: this.#closing.signal,
      isClosed: () => this.#closed,
      inGroup: () => this.#group !== null,
      report: (err, fatal) => this.#report(err, fatal),
    });
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
    const assigned = this.#positions.assigned;
    const keep = new Set(tps.map(tpKey));
    for (const [key, a] of assigned) {
      if (!keep.has(key)) {
        a.epoch++;
        assigned.delete(key);
      }
    }
    for (const tp of tps) {
      const key = tpKey(tp);
      if (assigned.has(key)) continue;
      const reset = this.#options.autoOffsetReset === "none" ? null : this.#options.autoOffsetReset;
      assigned.set(key, newAssignment(tp, reset));
    }
    this.#positions.dropStale();
    this.#fetcher.start();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  assignment(): TopicPartition[] {
    return [...this.#positions.assigned.values()].map((a) => ({ ...a.tp }));
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `seek offset must be a non-negative integer, got ${offset}`,
      );
    }
    this.#positions.reposition(this.#positions.get(tp), offset, null);
  }

  seekToBeginning(tps?: TopicPartition[]): void {
    for (const a of this.#positions.select(tps)) this.#positions.reposition(a, null, "earliest");
  }

  seekToEnd(tps?: TopicPartition[]): void {
    for (const a of this.#positions.select(tps)) this.#positions.reposition(a, null, "latest");
  }

  /** The offset of the next record poll() returns for tp (resolves a pending reset). */
  async position(tp: TopicPartition): Promise<number> {
    const a = this.#positions.get(tp);
    if (a.position === null) await this.#resets.resolveReset(a);
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
    this.#positions.markProcessed();
    for (;;) {
      if (this.#fatal !== null) throw this.#fatal;
      if (this.#error !== null) {
        const err = this.#error;
        this.#error = null;
        throw err;
      }
      const records = this.#positions.take(maxRecords);
      if (records.length > 0 || this.#closed) return records;
      const leftMs = deadlineMs - this.#rt.clock.monotonicMs();
      if (leftMs <= 0) return records;
      await this.#positions.dataArrived.wait(leftMs);
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
    this.#positions.dataArrived.notify();
    this.#positions.spaceFreed.notify();
    try {
      await this.#group?.close();
    } finally {
      await this.#cluster.close();
      await this.#fetcher.running;
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

  #report(err: unknown, fatal: boolean): void {
    if (fatal) this.#fatal ??= err;
    else this.#error = err;
    this.#positions.dataArrived.notify();
  }

  #groupSession(): GroupSession {
    if (!this.#group) {
      throw new TributaryError("INVALID_REQUEST", "only a consumer with a groupId commits offsets");
    }
    return this.#group;
  }

  #joinGroup(options: ConsumerOptions): GroupSession {
    const control = partitionControl({
      positions: this.#positions,
      resets: this.#resets,
      startLoop: () => this.#fetcher.start(),
      report: (err, fatal) => this.#report(err, fatal),
    });
    return joinGroup(this.#rt, this.#cluster, {
      ...options,
      retryBackoffMs: this.#options.retryBackoffMs,
      control,
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new TributaryError("INVALID_REQUEST", "consumer is closed");
  }
}
