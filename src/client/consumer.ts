// A consumer of explicitly assigned partitions. A background loop keeps one Fetch per leader
// in flight while the buffer of fetched records is below its bound, so the next records are
// usually there before the caller asks (prefetch); poll() and `for await` take from that
// buffer. seek() bumps a partition's epoch, which discards buffered and in-flight records
// fetched for the old position.
//
// Consumer groups come later: groupId is accepted in the options so the shape will not
// change, but setting it fails until the group coordinator exists.

import type { FetchPartitionResultBody } from "../protocol/cbor/messages.ts";
import { toTributaryError, TributaryError } from "../errors.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";
import { listOffsets } from "./admin.ts";
import { type ClientRuntime, ClusterClient, type ClusterOptions } from "./cluster.ts";
import { type ConsumerRecord, recordsFrom, type TopicPartition } from "./fetched-records.ts";
import { Notifier } from "./notifier.ts";

export type { ConsumerRecord, TopicPartition } from "./fetched-records.ts";

export type OffsetResetPolicy = "earliest" | "latest" | "none";

export interface ConsumerOptions extends ClusterOptions {
  /** Reserved for consumer groups (a later release); must be unset for now. */
  groupId?: string;
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

interface Assignment {
  readonly tp: TopicPartition;
  /** Offset of the next record handed to the caller; null until reset resolves it. */
  position: number | null;
  /** Offset the next Fetch starts at. */
  fetchOffset: number | null;
  reset: "earliest" | "latest" | null;
  /** Bumped by seek(); fetched records of an older epoch are dropped. */
  epoch: number;
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
  readonly #options: Required<Omit<ConsumerOptions, keyof ClusterOptions | "groupId">>;
  readonly #assigned = new Map<string, Assignment>();
  readonly #chunks: Chunk[] = [];
  readonly #dataArrived: Notifier;
  readonly #spaceFreed: Notifier;
  #buffered = 0;
  #error: TributaryError | null = null;
  #loop: Promise<void> | null = null;
  #closed = false;
  /** Aborted by close(), so a retry backoff does not hold close() up. */
  readonly #closing = new AbortController();

  constructor(rt: ClientRuntime, options: ConsumerOptions) {
    if (options.groupId !== undefined) {
      throw new TributaryError(
        "INVALID_CONFIG",
        "consumer groups are not supported yet: assign partitions instead",
      );
    }
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
  }

  /** Replaces the assignment; partitions kept keep their positions. */
  assign(tps: TopicPartition[]): void {
    this.#checkOpen();
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
      this.#assigned.set(key, {
        tp: { ...tp },
        position: null,
        fetchOffset: null,
        reset,
        epoch: 0,
      });
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

  /** Up to maxRecords buffered records, waiting up to timeoutMs for the first; [] once closed. */
  async poll(options: { timeoutMs?: number; maxRecords?: number } = {}): Promise<ConsumerRecord[]> {
    const maxRecords = options.maxRecords ?? this.#options.maxPollRecords;
    const deadlineMs = this.#rt.clock.monotonicMs() + (options.timeoutMs ?? 1000);
    for (;;) {
      if (this.#error) {
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

  /** Stops fetching and ends iteration; buffered records are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#dataArrived.notify();
    this.#spaceFreed.notify();
    await this.#cluster.close();
    await this.#loop;
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
      out.push(record);
    }
    if (out.length > 0) this.#spaceFreed.notify();
    return out;
  }

  #reposition(a: Assignment, offset: number | null, reset: "earliest" | "latest" | null): void {
    a.epoch++;
    a.position = offset;
    a.fetchOffset = offset;
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
        this.#error = toTributaryError(err);
        this.#dataArrived.notify();
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
    for (const a of this.#assigned.values()) {
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
    if (a.reset === null) {
      if (a.position !== null) return;
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `no position for ${a.tp.topic}-${a.tp.partition} and autoOffsetReset is "none": seek first`,
      );
    }
    const epoch = a.epoch;
    const { offset } = await listOffsets(this.#cluster, a.tp.topic, a.tp.partition, a.reset);
    if (a.epoch !== epoch) return;
    a.position = offset;
    a.fetchOffset = offset;
    a.reset = null;
  }
}
