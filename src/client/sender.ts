// Turns closed producer batches into Produce requests: per partition a queue in sequence order,
// at most inFlightMax requests outstanding, retries with backoff that keep order.
//
// Idempotence: a batch gets its sequence number the first time it is sent and keeps it (and
// its encoded bytes) across retries, so the broker recognises a retry of something it already
// wrote and answers with the original offsets. When a batch fails retriably, the partition
// stops sending new batches until everything in flight has come back, then resends its queue
// from the lowest sequence. Batches behind a failed one come back OUT_OF_ORDER_SEQUENCE_NUMBER;
// that is expected and they are retried, not failed.
//
// Failover: an error that says the leader moved (isStaleRoute: NOT_LEADER_OR_FOLLOWER, a dropped
// connection, a timeout, ...) also forgets the topic's route, so the resend waits for fresh
// metadata and goes to the new leader with the same bytes, producer id and sequence: the new
// leader, which replicated the producer's state, recognises a batch the old one had written. A
// partition without a reachable leader (election in progress) is retried the same way without
// sending. A batch fails once its retries are used up or deliveryTimeoutMs after it was
// created, whichever comes first.
//
// A batch that fails for good leaves a hole in the sequence the broker expects; the producer
// then stops sending everywhere until nothing is in flight, gets a fresh producer id and starts
// every partition's sequence again from 0 (what Kafka's producer does by bumping its epoch).

import type { Acks } from "../model/acks.ts";
import type { ProducerIdentity } from "../model/producer-identity.ts";
import { toTributaryError, TributaryError } from "../model/errors.ts";
import { encodeBatch, withProducerFields } from "../log/record-batch.ts";
import type { ProducePartitionResult } from "../protocol/cbor/ops/produce.ts";
import type { ProducerBatch } from "./accumulator.ts";
import { type ClusterClient, isStaleRoute, leaderUnavailable } from "./cluster.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";

export interface SenderOptions {
  acks: Acks;
  idempotent: boolean;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMsMax: number;
  inFlightMax: number;
  produceTimeoutMs: number;
  /** A batch not acknowledged this long after it was created fails (REQUEST_TIMED_OUT). */
  deliveryTimeoutMs: number;
  /** Called once a batch is settled (acknowledged or failed), to free its buffer bytes. */
  onSettled: (batch: ProducerBatch) => void;
}

interface SendBatch {
  readonly batch: ProducerBatch;
  /** Enqueue order; retries go back into the queue by it, so per-partition order holds. */
  readonly ordinal: number;
  bytes: Uint8Array | null;
  /** -1 until assigned (and always without idempotence). */
  sequence: number;
  attempts: number;
  /**
   * An attempt ended without saying whether the broker wrote it (a timeout, a dropped
   * connection, a leader that moved after its append). Re-sent under a new producer id it could
   * be written twice, so a reset fails it instead.
   */
  maybeWritten: boolean;
}

/** Refusals that say the broker wrote nothing of the batch. */
const NOT_WRITTEN: ReadonlySet<string> = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "NOT_ENOUGH_REPLICAS",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "INVALID_PRODUCER_EPOCH",
  "UNKNOWN_PRODUCER_ID",
  "THROTTLING_QUOTA_EXCEEDED",
  "CORRUPT_MESSAGE",
  "INVALID_RECORD",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
]);

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  queue: SendBatch[];
  readonly inFlight: Set<SendBatch>;
  nextSequence: number;
  /** Set after a retriable failure: send nothing until inFlight drains and backoff passes. */
  recovering: boolean;
  backoffUntilMs: number;
  /** Lowest sequence that failed since the last success; later OUT_OF_ORDER replies are expected. */
  failedSequence: number;
}

export class Sender {
  readonly #cluster: ClusterClient;
  readonly #options: SenderOptions;
  readonly #partitions = new Map<string, PartitionState>();
  #identity: ProducerIdentity | null = null;
  #identityPending = false;
  #resetPending = false;
  #inFlightTotal = 0;
  #wakeAtMs = Infinity;
  #closedError: TributaryError | null = null;
  #ordinalNext = 0;

  constructor(cluster: ClusterClient, options: SenderOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  enqueue(batch: ProducerBatch): void {
    const item: SendBatch = {
      batch,
      ordinal: this.#ordinalNext++,
      bytes: null,
      sequence: -1,
      attempts: 0,
      maybeWritten: false,
    };
    if (this.#closedError) {
      this.#fail(item, this.#closedError);
      return;
    }
    this.#state(batch.topic, batch.partition).queue.push(item);
    this.#pump();
  }

  /** Fails everything queued (not what is in flight) with err; used by a forced close. */
  abort(err: TributaryError): void {
    this.#closedError = err;
    for (const state of this.#partitions.values()) {
      for (const item of state.queue.splice(0)) this.#fail(item, err);
    }
  }

  #state(topic: string, partition: number): PartitionState {
    const key = `${partition}\u0000${topic}`;
    let state = this.#partitions.get(key);
    if (!state) {
      state = {
        topic,
        partition,
        queue: [],
        inFlight: new Set(),
        nextSequence: 0,
        recovering: false,
        backoffUntilMs: 0,
        failedSequence: Infinity,
      };
      this.#partitions.set(key, state);
    }
    return state;
  }

  /** Sends whatever may go now: one request per leader with one batch per ready partition. */
  #pump(): void {
    if (this.#resetPending) {
      if (this.#inFlightTotal === 0) this.#resetIdentity();
      return;
    }
    if (this.#options.idempotent && !this.#identity) {
      // Only for batches waiting: an idle producer (or one being closed) asks for nothing.
      if (!this.#identityPending && this.#hasQueued()) void this.#fetchIdentity();
      return;
    }
    const nowMs = this.#cluster.rt.clock.monotonicMs();
    const byLeader = new Map<number, Array<{ state: PartitionState; item: SendBatch }>>();
    const leaderless: PartitionState[] = [];
    let wakeAtMs = Infinity;
    for (const state of this.#partitions.values()) {
      while (state.queue.length > 0 && state.inFlight.size < this.#options.inFlightMax) {
        if (state.recovering && state.inFlight.size > 0) break;
        if (state.backoffUntilMs > nowMs) {
          wakeAtMs = Math.min(wakeAtMs, state.backoffUntilMs);
          break;
        }
        const route = this.#cluster.cachedRoute(state.topic);
        if (!route) {
          this.#refreshRoute(state);
          break;
        }
        const leader = route.leaders[state.partition] ?? -1;
        if (leader < 0 || !this.#cluster.knowsBroker(leader)) {
          leaderless.push(state);
          break;
        }
        state.recovering = false;
        const item = state.queue.shift() as SendBatch;
        this.#prepare(state, item);
        state.inFlight.add(item);
        this.#inFlightTotal++;
        const list = byLeader.get(leader) ?? [];
        list.push({ state, item });
        byLeader.set(leader, list);
      }
    }
    for (const [leader, list] of byLeader) void this.#sendRequest(leader, list);
    for (const state of leaderless) {
      const head = state.queue.shift() as SendBatch;
      head.attempts++;
      this.#onError(state, head, leaderUnavailable(state.topic, state.partition));
      wakeAtMs = Math.min(wakeAtMs, state.backoffUntilMs);
    }
    this.#scheduleWake(wakeAtMs);
  }

  #prepare(state: PartitionState, item: SendBatch): void {
    if (item.bytes) return;
    const identity = this.#identity;
    if (identity) {
      item.sequence = state.nextSequence;
      state.nextSequence = (state.nextSequence + item.batch.records.length) % 0x8000_0000;
    }
    const fields = {
      producerId: identity?.producerId ?? -1,
      producerEpoch: identity?.producerEpoch ?? -1,
      baseSequence: identity ? item.sequence : -1,
    };
    const compressed = item.batch.compressed;
    item.bytes = compressed === undefined
      ? encodeBatch({ records: item.batch.records, ...fields })
      : withProducerFields(compressed, fields);
  }

  async #sendRequest(
    leader: number,
    list: Array<{ state: PartitionState; item: SendBatch }>,
  ): Promise<void> {
    const body = {
      acks: this.#options.acks,
      timeoutMs: this.#options.produceTimeoutMs,
      partitions: list.map(({ state, item }) => ({
        topic: state.topic,
        partition: state.partition,
        records: item.bytes as Uint8Array,
      })),
    };
    const nodeId = leader;
    let results: ProducePartitionResult[] | null = null;
    let failure: TributaryError | null = null;
    try {
      if (this.#options.acks === 0) await this.#cluster.send("Produce", body, nodeId);
      else results = (await this.#cluster.request("Produce", body, nodeId)).partitions;
    } catch (err) {
      failure = toTributaryError(err);
    }
    const resultsOf = groupResults(results);
    for (const { state, item } of list) {
      state.inFlight.delete(item);
      this.#inFlightTotal--;
      item.attempts++;
      if (failure) {
        this.#onError(state, item, failure);
        continue;
      }
      // A request may carry several batches of one partition: their results come in that order.
      const result = resultsOf.get(`${state.partition}\u0000${state.topic}`)?.shift();
      if (this.#options.acks !== 0 && !result) {
        this.#onError(
          state,
          item,
          new TributaryError("UNKNOWN_SERVER_ERROR", "Produce response lacks a partition"),
        );
      } else if (result?.error) {
        this.#onError(state, item, fromWireError(result.error));
      } else {
        this.#onSuccess(state, item, result?.baseOffset ?? -1);
      }
    }
    this.#pump();
  }

  #onSuccess(state: PartitionState, item: SendBatch, baseOffset: number): void {
    if (item.sequence >= state.failedSequence || item.sequence === -1) {
      state.failedSequence = Infinity;
    }
    const deliveries = item.batch.deliveries;
    for (let i = 0; i < deliveries.length; i++) {
      deliveries[i].resolve(baseOffset < 0 ? -1 : baseOffset + i);
    }
    this.#options.onSettled(item.batch);
  }

  #onError(state: PartitionState, item: SendBatch, err: TributaryError): void {
    if (err.code === "DUPLICATE_SEQUENCE_NUMBER") {
      // Already written by an earlier attempt whose answer was lost; offsets are unknown.
      this.#onSuccess(state, item, -1);
      return;
    }
    const behindFailure = err.code === "OUT_OF_ORDER_SEQUENCE_NUMBER" &&
      this.#behindUnacked(state, item);
    if (
      (err.retriable || behindFailure) && item.attempts <= this.#options.retries &&
      !this.#closedError && !this.#expired(item.batch)
    ) {
      this.#requeue(state, item, err);
      return;
    }
    this.#fail(item, this.#expired(item.batch) ? this.#deliveryTimeout(err) : err);
    if (item.sequence >= 0) {
      state.failedSequence = Math.min(state.failedSequence, item.sequence);
      this.#resetPending = true;
    }
  }

  /**
   * A sequence gap is expected, not fatal, while a lower sequence of the partition is still
   * unsettled (in flight or waiting for a retry) or has just failed: that batch goes first.
   */
  #behindUnacked(state: PartitionState, item: SendBatch): boolean {
    if (item.sequence < 0) return false;
    if (item.sequence > state.failedSequence) return true;
    for (const other of state.inFlight) {
      if (other.sequence >= 0 && other.sequence < item.sequence) return true;
    }
    return state.queue.some((other) => other.sequence >= 0 && other.sequence < item.sequence);
  }

  #requeue(state: PartitionState, item: SendBatch, err: TributaryError): void {
    if (item.sequence >= 0) state.failedSequence = Math.min(state.failedSequence, item.sequence);
    if (!NOT_WRITTEN.has(err.code)) item.maybeWritten = true;
    if (isStaleRoute(err)) this.#cluster.invalidate(state.topic);
    insertInOrder(state.queue, item);
    state.recovering = true;
    // A broker that says it does not lead the partition is alive and knows the leader moved:
    // the resend waits only for fresh metadata, which the cluster client paces per topic
    // (retryBackoffMs since its last refresh), not for a backoff on top.
    const backoffMs = err.code === "NOT_LEADER_OR_FOLLOWER" ? 0 : this.#backoffMs(item.attempts);
    const nowMs = this.#cluster.rt.clock.monotonicMs();
    state.backoffUntilMs = Math.max(state.backoffUntilMs, nowMs + backoffMs);
  }

  #fail(item: SendBatch, err: unknown): void {
    for (const delivery of item.batch.deliveries) delivery.reject(err);
    this.#options.onSettled(item.batch);
  }

  #expired(batch: ProducerBatch): boolean {
    return this.#cluster.rt.clock.monotonicMs() - batch.createdMs >=
      this.#options.deliveryTimeoutMs;
  }

  #deliveryTimeout(last: TributaryError): TributaryError {
    return new TributaryError(
      "REQUEST_TIMED_OUT",
      `not acknowledged within deliveryTimeoutMs (${this.#options.deliveryTimeoutMs} ms); last error ${last.code}: ${last.message}`,
      { cause: last },
    );
  }

  #backoffMs(attempts: number): number {
    const base = Math.min(
      this.#options.retryBackoffMsMax,
      this.#options.retryBackoffMs * 2 ** Math.min(attempts - 1, 20),
    );
    // +-20% jitter so many producers do not retry in lockstep.
    return Math.max(1, Math.round(base * (0.8 + 0.4 * this.#cluster.rt.random.float())));
  }

  #refreshRoute(state: PartitionState): void {
    const nowMs = this.#cluster.rt.clock.monotonicMs();
    // Holds the partition while the refresh is out; once it is in, the queue goes at once.
    const holdUntilMs = nowMs + this.#options.retryBackoffMs;
    state.backoffUntilMs = holdUntilMs;
    this.#cluster.route(state.topic).then(
      () => {
        if (state.backoffUntilMs === holdUntilMs) state.backoffUntilMs = 0;
        this.#pump();
      },
      (err) => this.#onRouteError(state, toTributaryError(err)),
    );
  }

  #onRouteError(state: PartitionState, err: TributaryError): void {
    const head = state.queue[0];
    if (!head) return;
    head.attempts++;
    if (!err.retriable || head.attempts > this.#options.retries) {
      for (const item of state.queue.splice(0)) this.#fail(item, err);
    } else {
      this.#expireQueued(state, err);
    }
    this.#pump();
  }

  /** Fails the batches of a queue that waited past their delivery timeout (oldest first). */
  #expireQueued(state: PartitionState, err: TributaryError): void {
    while (state.queue.length > 0 && this.#expired(state.queue[0].batch)) {
      const item = state.queue.shift() as SendBatch;
      this.#fail(item, this.#deliveryTimeout(err));
      // A sent batch that fails leaves a sequence gap: start again under a new producer id.
      if (item.sequence >= 0) {
        state.failedSequence = Math.min(state.failedSequence, item.sequence);
        this.#resetPending = true;
      }
    }
  }

  async #fetchIdentity(): Promise<void> {
    this.#identityPending = true;
    let failure: TributaryError | null = null;
    try {
      const response = await this.#cluster.request("InitProducerId", {});
      this.#identity = { producerId: response.producerId, producerEpoch: response.producerEpoch };
    } catch (err) {
      failure = toTributaryError(err);
    } finally {
      this.#identityPending = false;
    }
    // After a failure the retry waits for the backoff wake-up: pumping at once would ask again
    // in the same turn, a loop that never yields when the request fails synchronously (closed).
    if (failure) this.#onIdentityError(failure);
    else this.#pump();
  }

  #hasQueued(): boolean {
    for (const state of this.#partitions.values()) if (state.queue.length > 0) return true;
    return false;
  }

  #onIdentityError(err: TributaryError): void {
    // Nothing can be sent without an identity: fail the head of every queue once retries run
    // out, so send() callers learn about a broker that does not answer.
    for (const state of this.#partitions.values()) {
      const head = state.queue[0];
      if (!head) continue;
      head.attempts++;
      if (!err.retriable || head.attempts > this.#options.retries) {
        for (const item of state.queue.splice(0)) this.#fail(item, err);
      } else {
        this.#expireQueued(state, err);
        state.backoffUntilMs = this.#cluster.rt.clock.monotonicMs() +
          this.#backoffMs(head.attempts);
      }
    }
    if (err.retriable) {
      this.#scheduleWake(this.#cluster.rt.clock.monotonicMs() + this.#options.retryBackoffMs);
    }
  }

  /** After a batch failed for good: new producer id, every sequence from 0, unsent batches re-encoded. */
  #resetIdentity(): void {
    this.#resetPending = false;
    this.#identity = null;
    for (const state of this.#partitions.values()) {
      state.nextSequence = 0;
      state.failedSequence = Infinity;
      state.recovering = false;
      const unknown = state.queue.filter((item) => item.sequence >= 0 && item.maybeWritten);
      state.queue = state.queue.filter((item) => !unknown.includes(item));
      for (const item of unknown) {
        this.#fail(
          item,
          new TributaryError(
            "REQUEST_TIMED_OUT",
            `${state.topic}-${state.partition}: the batch may or may not have been written ` +
              `(an earlier attempt got no answer) and the producer had to restart its ` +
              `sequences after another batch failed; it is not sent again, so it is never ` +
              `written twice`,
          ),
        );
      }
      for (const item of state.queue) {
        item.bytes = null;
        item.sequence = -1;
      }
    }
    this.#pump();
  }

  #scheduleWake(atMs: number): void {
    if (atMs === Infinity || atMs >= this.#wakeAtMs) return;
    this.#wakeAtMs = atMs;
    const delayMs = Math.max(0, atMs - this.#cluster.rt.clock.monotonicMs());
    this.#cluster.rt.timers.setTimeout(() => {
      if (this.#wakeAtMs === atMs) this.#wakeAtMs = Infinity;
      this.#pump();
    }, delayMs + 1);
  }
}

function groupResults(
  results: ProducePartitionResult[] | null,
): Map<string, ProducePartitionResult[]> {
  const grouped = new Map<string, ProducePartitionResult[]>();
  for (const r of results ?? []) {
    const key = `${r.partition}\u0000${r.topic}`;
    const list = grouped.get(key);
    if (list) list.push(r);
    else grouped.set(key, [r]);
  }
  return grouped;
}

function insertInOrder(queue: SendBatch[], item: SendBatch): void {
  let i = 0;
  while (i < queue.length && queue[i].ordinal < item.ordinal) i++;
  queue.splice(i, 0, item);
}
