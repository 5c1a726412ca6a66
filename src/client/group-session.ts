// What a Consumer with a groupId does beyond fetching: membership (joins, heartbeats, follows
// the assignment), commits (explicit, on an interval, on revocation and on close) and the user's
// rebalance callbacks. The Consumer hands it a PartitionControl over its fetch state.
//
// Delivery is at least once. Auto-commit (timer and revocation) commits only what the
// application has processed: a record counts as processed once poll() is called again after
// it was returned (as with Kafka's consumer, where auto-commit happens inside poll). So a crash or
// a rebalance can make the next owner see records again, but only from the last committed
// offset on. commit() and close() commit everything handed out so far.

import type { OffsetCommitEntry } from "../protocol/cbor/ops/offset-commit.ts";
import { toTributaryError, type TributaryError } from "../model/errors.ts";
import { assignmentFromList } from "../group/assignment.ts";
import type { ClientRuntime } from "./cluster.ts";
import type { TopicPartition } from "./fetched-records.ts";
import type { GroupClient } from "./group-client.ts";
import { GroupMembership, isFenced } from "./group-membership.ts";
import { OffsetCommitter } from "./offset-committer.ts";
import type { TimerHandle } from "../../runtime/types.ts";

export type RebalanceCallback = (partitions: TopicPartition[]) => void | Promise<void>;

export interface GroupSessionOptions {
  groupId: string;
  topics: readonly string[];
  instanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number | null;
  rebalanceTimeoutMs: number | null;
  assignor: string | null;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  retryBackoffMs: number;
  onPartitionsAssigned?: RebalanceCallback;
  onPartitionsRevoked?: RebalanceCallback;
  onPartitionsLost?: RebalanceCallback;
}

/** The Consumer's fetch state, as the group session drives it. */
export interface PartitionControl {
  /** Adds partitions that start at their committed offset; not fetched until resume(). */
  add(tps: TopicPartition[]): void;
  /** Looks the committed offsets up now (else the fetch loop does it later). */
  resolveCommitted(tps: TopicPartition[]): Promise<void>;
  resume(tps: TopicPartition[]): void;
  /** Stops fetching and drops buffered records; the partitions stay until remove(). */
  pause(tps: TopicPartition[]): void;
  remove(tps: TopicPartition[]): void;
  /**
   * Positions not committed yet: "processed" (as of the latest poll) or "consumed" (everything
   * handed out); of the given partitions, or of every assigned one.
   */
  uncommitted(kind: "processed" | "consumed", tps?: TopicPartition[]): OffsetCommitEntry[];
  markCommitted(offsets: readonly OffsetCommitEntry[]): void;
  /** Counts everything handed out as processed (close). */
  markAllProcessed(): void;
  /** Surfaces an error from poll() (a user callback's own error as it is); fatal ones stay. */
  report(err: unknown, fatal: boolean): void;
}

const COMMIT_RETRIES = 5;
const RETRY_BACKOFF_MS_MAX = 1000;

export class GroupSession {
  readonly #rt: Pick<ClientRuntime, "timers">;
  readonly #options: GroupSessionOptions;
  readonly #control: PartitionControl;
  readonly #client: GroupClient;
  readonly #membership: GroupMembership;
  readonly #committer: OffsetCommitter;
  #autoCommitTimer: TimerHandle | null = null;
  #closing = false;
  /** A commit that failed while closing: close() reports it after leaving. */
  #closeError: TributaryError | null = null;

  constructor(
    rt: Pick<ClientRuntime, "timers">,
    client: GroupClient,
    options: GroupSessionOptions,
    control: PartitionControl,
  ) {
    this.#rt = rt;
    this.#options = options;
    this.#control = control;
    this.#client = client;
    const retry = {
      retryBackoffMs: options.retryBackoffMs,
      retryBackoffMsMax: RETRY_BACKOFF_MS_MAX,
    };
    this.#membership = new GroupMembership(rt, client, { ...options, ...retry }, {
      assigned: (tps) => this.#onAssigned(tps),
      revoked: (tps) => this.#onRevoked(tps),
      lost: (tps) => this.#onLost(tps),
      failed: (err) => control.report(err, true),
    });
    this.#committer = new OffsetCommitter(rt, client, {
      groupId: options.groupId,
      member: () => ({
        memberId: this.#membership.memberId,
        memberEpoch: this.#membership.memberEpoch,
      }),
      retries: COMMIT_RETRIES,
      ...retry,
    });
  }

  get memberId(): string {
    return this.#membership.memberId;
  }

  get memberEpoch(): number {
    return this.#membership.memberEpoch;
  }

  start(): void {
    this.#membership.start();
    this.#scheduleAutoCommit();
  }

  /** Commits the given offsets, or every handed-out position not committed yet. */
  async commit(offsets?: readonly OffsetCommitEntry[]): Promise<void> {
    await this.#commit(offsets ?? this.#control.uncommitted("consumed"));
  }

  /** This member's committed offsets of tps (checked as a member: fenced members are refused). */
  async fetchCommitted(
    tps: TopicPartition[],
  ): Promise<Array<TopicPartition & { offset: number | null }>> {
    const entries = await this.#client.fetchOffsets({
      groupId: this.#options.groupId,
      memberId: this.#membership.memberId,
      memberEpoch: this.#membership.memberEpoch,
      topics: assignmentFromList(tps),
    });
    return entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset }));
  }

  /** Committed offsets of the group (all of them, or of the given partitions). */
  async committed(
    tps?: TopicPartition[],
  ): Promise<Array<TopicPartition & { offset: number | null }>> {
    const topics = tps === undefined ? null : assignmentFromList(tps);
    const entries = await this.#client.fetchOffsets({ groupId: this.#options.groupId, topics });
    return entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset }));
  }

  /** Commits what close() should (when auto-commit is on), releases everything and leaves. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#autoCommitTimer?.cancel();
    if (this.#options.enableAutoCommit) this.#control.markAllProcessed();
    await this.#membership.leave();
    if (this.#closeError) throw this.#closeError;
  }

  async #commit(offsets: readonly OffsetCommitEntry[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#committer.commit(offsets);
    this.#control.markCommitted(offsets);
  }

  /** A commit the consumer makes on its own: a fenced one is moot (the partitions are gone). */
  async #commitQuietly(offsets: readonly OffsetCommitEntry[]): Promise<void> {
    try {
      await this.#commit(offsets);
    } catch (err) {
      if (isFenced(err)) return;
      const typed = toTributaryError(err);
      if (this.#closing) this.#closeError ??= typed;
      else this.#control.report(typed, false);
    }
  }

  #scheduleAutoCommit(): void {
    if (!this.#options.enableAutoCommit || this.#closing) return;
    this.#autoCommitTimer = this.#rt.timers.setTimeout(() => {
      void this.#commitQuietly(this.#control.uncommitted("processed"))
        .then(() => this.#scheduleAutoCommit());
    }, this.#options.autoCommitIntervalMs);
  }

  async #onAssigned(tps: TopicPartition[]): Promise<void> {
    this.#control.add(tps);
    try {
      await this.#control.resolveCommitted(tps);
    } catch (err) {
      // Left to the fetch loop, which retries; fenced means the partitions are about to go.
      if (!isFenced(err) && !toTributaryError(err).retriable) {
        this.#control.report(toTributaryError(err), false);
      }
    }
    await this.#callUser(this.#options.onPartitionsAssigned, tps);
    this.#control.resume(tps);
  }

  async #onRevoked(tps: TopicPartition[]): Promise<void> {
    this.#control.pause(tps);
    if (this.#options.enableAutoCommit) {
      await this.#commitQuietly(this.#control.uncommitted("processed", tps));
    }
    await this.#callUser(this.#options.onPartitionsRevoked, tps);
    this.#control.remove(tps);
  }

  async #onLost(tps: TopicPartition[]): Promise<void> {
    this.#control.remove(tps);
    await this.#callUser(this.#options.onPartitionsLost ?? this.#options.onPartitionsRevoked, tps);
  }

  /** A user callback that throws does not stop the rebalance; poll() reports the error. */
  async #callUser(callback: RebalanceCallback | undefined, tps: TopicPartition[]): Promise<void> {
    if (callback === undefined) return;
    try {
      await callback(tps.map((tp) => ({ ...tp })));
    } catch (err) {
      this.#control.report(err, false);
    }
  }
}
