// The prefetching loop: while the record buffer is below its bound, one Fetch per leader is in
// flight for the active partitions; records land in the buffer tagged with the epoch they were
// fetched under, so a seek() meanwhile discards them. Failures back off and retry; a moved
// leader or a lost broker first makes the topic's route stale, so the retry asks metadata where
// the partition went and resumes there from the same position. Retriable failures reach poll()
// only after `retries` of them in a row; anything else at once.

import type { FetchPartitionResultBody } from "../protocol/cbor/ops/fetch.ts";
import { toTributaryError, type TributaryError } from "../model/errors.ts";
import { uncontainedInvariantIn } from "../model/invariant.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";
import type { Assignment } from "./assignment.ts";
import {
  type ClientRuntime,
  type ClusterClient,
  isStaleRoute,
  leaderUnavailable,
} from "./cluster.ts";
import type { FetchSettings } from "./consumer-options.ts";
import { recordsFrom } from "./fetched-records.ts";
import { isFenced } from "./group-membership.ts";
import type { OffsetResets } from "./offset-reset.ts";
import type { Positions } from "./positions.ts";

export interface FetchLoopDeps {
  readonly rt: ClientRuntime;
  readonly cluster: ClusterClient;
  readonly settings: FetchSettings;
  readonly positions: Positions;
  readonly resets: OffsetResets;
  /** Aborted on close, so a retry backoff does not hold close() up. */
  readonly closing: AbortSignal;
  isClosed(): boolean;
  inGroup(): boolean;
  report(err: unknown, fatal: boolean): void;
}

type Ready = { a: Assignment; epoch: number; offset: number; leaderEpoch?: number };

export class FetchLoop {
  readonly #deps: FetchLoopDeps;
  #loop: Promise<void> | null = null;

  constructor(deps: FetchLoopDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (this.#loop || this.#deps.isClosed()) return;
    this.#loop = this.#run();
  }

  /** The running loop, which ends once it sees close(); null if it never started. */
  get running(): Promise<void> | null {
    return this.#loop;
  }

  async #run(): Promise<void> {
    const { positions, settings } = this.#deps;
    let failures = 0;
    while (!this.#deps.isClosed()) {
      if (positions.buffer.size >= settings.bufferedRecordsMax || positions.assigned.size === 0) {
        await positions.spaceFreed.wait(1000);
        continue;
      }
      try {
        await this.#fetchOnce();
        failures = 0;
      } catch (err) {
        if (this.#deps.isClosed()) return;
        // A bug (here or on the broker) is not retried: poll() throws it from now on.
        if (uncontainedInvariantIn(err)) return this.#deps.report(toTributaryError(err), true);
        failures++;
        const typed = toTributaryError(err);
        if (this.#shouldReport(typed, failures)) this.#deps.report(typed, false);
        await this.#backoff(Math.min(settings.retryBackoffMs * 2 ** Math.min(failures, 5), 5000));
      }
    }
  }

  #shouldReport(err: TributaryError, failures: number): boolean {
    // A fenced member's partitions are about to be taken away: nothing for the user to do.
    if (this.#deps.inGroup() && isFenced(err)) return false;
    return !err.retriable || failures > this.#deps.settings.retries;
  }

  async #backoff(delayMs: number): Promise<void> {
    try {
      await this.#deps.rt.timers.sleep(delayMs, this.#deps.closing);
    } catch (err) {
      if (!this.#deps.isClosed()) throw err;
    }
  }

  async #fetchOnce(): Promise<void> {
    const { positions, resets, cluster } = this.#deps;
    const ready: Ready[] = [];
    const active = [...positions.assigned.values()].filter((a) => a.active);
    await resets.resolveCommitted(active.filter((a) => a.reset === "committed"));
    for (const a of active) {
      if (a.fetchOffset === null) await resets.resolveReset(a);
      if (a.fetchOffset !== null) ready.push({ a, epoch: a.epoch, offset: a.fetchOffset });
    }
    if (ready.length === 0) {
      await positions.spaceFreed.wait(1000);
      return;
    }
    const byLeader = new Map<number, Ready[]>();
    let leaderless: Ready | null = null;
    for (const entry of ready) {
      const route = await cluster.route(entry.a.tp.topic);
      const leader = route.leaders[entry.a.tp.partition] ?? -1;
      if (leader < 0 || !cluster.knowsBroker(leader)) {
        cluster.invalidate(entry.a.tp.topic);
        leaderless ??= entry;
        continue;
      }
      const leaderEpoch = route.leaderEpochs[entry.a.tp.partition];
      const sent = leaderEpoch === undefined ? entry : { ...entry, leaderEpoch };
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), sent]);
    }
    // Every fetch ends before the next round starts: one failing fast must not leave another in
    // flight, whose late answer would then rewind its partitions below what was delivered.
    const settled = await Promise.allSettled(
      [...byLeader].map(([leader, entries]) => this.#fetchFrom(leader, entries)),
    );
    const failed = settled.find((s) => s.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    // The others were fetched; this one waits for the election through the retry backoff.
    if (leaderless) throw leaderUnavailable(leaderless.a.tp.topic, leaderless.a.tp.partition);
  }

  async #fetchFrom(leader: number, entries: Ready[]): Promise<void> {
    const { settings, cluster } = this.#deps;
    const response = await cluster.request(
      "Fetch",
      {
        maxWaitMs: settings.fetchMaxWaitMs,
        minBytes: settings.fetchMinBytes,
        maxBytes: settings.fetchMaxBytes,
        partitions: entries.map(({ a, offset, leaderEpoch }) => ({
          ...a.tp,
          offset,
          maxBytes: settings.partitionFetchBytesMax,
          // The broker refuses a fetch for another epoch than it knows, rather than answer
          // OFFSET_OUT_OF_RANGE from a stale log and make this consumer reset (KIP-320).
          ...(leaderEpoch === undefined ? {} : { currentLeaderEpoch: leaderEpoch }),
        })),
      },
      leader,
    ).catch((err) => {
      if (isStaleRoute(toTributaryError(err))) {
        for (const { a } of entries) cluster.invalidate(a.tp.topic);
      }
      throw err;
    });
    for (const entry of entries) {
      const result = response.partitions.find((p) =>
        p.topic === entry.a.tp.topic && p.partition === entry.a.tp.partition
      );
      if (result && entry.a.epoch === entry.epoch && !this.#deps.isClosed()) {
        await this.#accept(entry.a, entry.offset, result);
      }
    }
  }

  async #accept(a: Assignment, offset: number, result: FetchPartitionResultBody): Promise<void> {
    const { positions, settings } = this.#deps;
    if (result.error) {
      const err = fromWireError(result.error);
      if (err.code === "OFFSET_OUT_OF_RANGE" && settings.autoOffsetReset !== "none") {
        // Kafka resets to the policy, not to the committed offset that is out of range.
        positions.reposition(a, null, settings.autoOffsetReset);
        return;
      }
      if (isStaleRoute(err)) this.#deps.cluster.invalidate(a.tp.topic);
      throw err;
    }
    const epoch = a.epoch;
    const fetched = await recordsFrom(a.tp, result.records, offset);
    if (a.epoch !== epoch) return;
    a.fetchOffset = fetched.nextOffset;
    if (fetched.records.length === 0) return;
    positions.buffer.push(a, epoch, fetched.records);
    positions.dataArrived.notify();
  }
}
