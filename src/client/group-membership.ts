// One consumer's membership in a group: the client side of docs/groups.md (KIP-848 style).
//
// A loop sends one heartbeat at a time (the coordinator relies on that, rule 3) at the interval
// the coordinator asks for, reporting every partition this consumer owns; each response says
// which partitions it may own. Reconciling toward that runs beside the loop, one step at a time,
// so a slow revocation (a commit, a user callback) never delays heartbeats and never costs the
// session. A partition to revoke is released through Ownership.revoked first and only then left
// out of the owned set; the next heartbeat, sent at once, reports it released.
//
// Fenced (FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION): everything owned is lost,
// without a commit (another member may own it already), and the member joins again (epoch 0).

import type {
  ConsumerGroupHeartbeatRequestBody,
  ConsumerGroupHeartbeatResponseBody,
} from "../protocol/cbor/ops/consumer-group-heartbeat.ts";
import { toTributaryError, TributaryError } from "../model/errors.ts";
import { assignmentFromList, assignmentToList } from "../group/assignment.ts";
import type { ClientRuntime } from "./cluster.ts";
import type { TopicPartition } from "./fetched-records.ts";
import type { GroupClient } from "./group-client.ts";
import { Notifier } from "./notifier.ts";

const JOIN_EPOCH = 0;
const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;
/** A coordinator asking for less would make the loop spin. */
const HEARTBEAT_INTERVAL_MS_MIN = 10;

/** Errors that mean "you are no longer the member you think you are": rejoin. */
export const FENCED_CODES: ReadonlySet<string> = new Set([
  "FENCED_MEMBER_EPOCH",
  "UNKNOWN_MEMBER_ID",
  "ILLEGAL_GENERATION",
]);

export function isFenced(err: unknown): boolean {
  return err instanceof TributaryError && FENCED_CODES.has(err.code);
}

export interface MembershipOptions {
  groupId: string;
  topics: readonly string[];
  instanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number | null;
  rebalanceTimeoutMs: number | null;
  assignor: string | null;
  retryBackoffMs: number;
  retryBackoffMsMax: number;
}

/** What the consumer does when ownership changes. None of these may throw. */
export interface Ownership {
  /** Granted by the coordinator: look up where to start, tell the user, start fetching. */
  assigned(tps: TopicPartition[]): Promise<void>;
  /** To give up: stop fetching, commit, tell the user. Resolves once released. */
  revoked(tps: TopicPartition[]): Promise<void>;
  /** Gone already (fenced, or membership failed): stop at once, commit nothing. */
  lost(tps: TopicPartition[]): Promise<void>;
  /** A failure the user must see; the membership has stopped for good. */
  failed(err: TributaryError): void;
}

type State = "running" | "leaving" | "left" | "failed";

const tpKey = (tp: TopicPartition) => `${tp.partition}\u0000${tp.topic}`;

export class GroupMembership {
  readonly #client: GroupClient;
  readonly #options: MembershipOptions;
  readonly #ownership: Ownership;
  readonly #owned = new Map<string, TopicPartition>();
  readonly #wake: Notifier;
  #memberId = "";
  #memberEpoch = JOIN_EPOCH;
  #intervalMs: number;
  #state: State = "running";
  /** Latest assignment not yet reconciled; null when there is nothing new. */
  #target: TopicPartition[] | null = null;
  /** Bumped whenever ownership is reset (fenced, failed, leaving): stale steps stop. */
  #generation = 0;
  #reconciling = false;
  /** Ownership changes run one at a time, in order. */
  #serial: Promise<void> = Promise.resolve();
  #heartbeatNow = false;
  #loop: Promise<void> | null = null;

  constructor(
    rt: Pick<ClientRuntime, "timers">,
    client: GroupClient,
    options: MembershipOptions,
    ownership: Ownership,
  ) {
    this.#client = client;
    this.#options = options;
    this.#ownership = ownership;
    this.#wake = new Notifier(rt.timers);
    this.#intervalMs = options.retryBackoffMs;
  }

  get memberId(): string {
    return this.#memberId;
  }

  get memberEpoch(): number {
    return this.#memberEpoch;
  }

  /** Partitions this member owns now (granted and not yet released). */
  owned(): TopicPartition[] {
    return [...this.#owned.values()].map((tp) => ({ ...tp }));
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Stops heartbeating, releases everything through Ownership.revoked, then leaves the group
   * (epoch -1; -2 for a static member, whose partitions then wait for its return until its
   * session times out). A member that was fenced or never joined just stops.
   */
  async leave(): Promise<void> {
    if (this.#state !== "running" && this.#state !== "failed") return;
    const failed = this.#state === "failed";
    this.#state = "leaving";
    this.#wake.notify();
    await this.#loop;
    this.#generation++;
    this.#target = null;
    await this.#enqueue(() => this.#revokeAll());
    this.#state = "left";
    if (failed || this.#memberId === "" || this.#memberEpoch <= JOIN_EPOCH) return;
    const staticMember = this.#options.instanceId !== null;
    try {
      await this.#client.heartbeat({
        ...this.#identity(),
        memberEpoch: staticMember ? STATIC_LEAVE_EPOCH : LEAVE_EPOCH,
        ownedPartitions: [],
      });
    } catch (err) {
      // Already removed (session expired, fenced): leaving is done.
      if (!isFenced(err)) throw err;
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#state === "running") {
      let response: ConsumerGroupHeartbeatResponseBody;
      try {
        response = await this.#client.heartbeat(this.#request());
      } catch (err) {
        if (this.#state !== "running") return;
        failures++;
        await this.#onError(toTributaryError(err), failures);
        continue;
      }
      failures = 0;
      this.#accept(response);
      await this.#untilNextHeartbeat();
    }
  }

  #identity(): Pick<
    ConsumerGroupHeartbeatRequestBody,
    "groupId" | "memberId" | "instanceId" | "clientId"
  > {
    return {
      groupId: this.#options.groupId,
      memberId: this.#memberId,
      instanceId: this.#options.instanceId,
      clientId: this.#options.clientId,
    };
  }

  #request(): ConsumerGroupHeartbeatRequestBody {
    if (this.#memberEpoch === JOIN_EPOCH) {
      return {
        ...this.#identity(),
        memberEpoch: JOIN_EPOCH,
        subscribedTopics: [...this.#options.topics],
        sessionTimeoutMs: this.#options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
        assignor: this.#options.assignor,
        ownedPartitions: [],
      };
    }
    return {
      ...this.#identity(),
      memberEpoch: this.#memberEpoch,
      ownedPartitions: assignmentFromList(this.#owned.values()),
    };
  }

  #accept(response: ConsumerGroupHeartbeatResponseBody): void {
    this.#memberId = response.memberId;
    this.#memberEpoch = response.memberEpoch;
    this.#intervalMs = Math.max(response.heartbeatIntervalMs, HEARTBEAT_INTERVAL_MS_MIN);
    if (this.#state !== "running") return;
    const target = assignmentToList(response.assignment);
    if (this.#target === null && this.#sameAsOwned(target)) return;
    this.#target = target;
    if (!this.#reconciling) {
      this.#reconciling = true;
      void this.#enqueue(() => this.#reconcile());
    }
  }

  async #onError(err: TributaryError, failures: number): Promise<void> {
    if (FENCED_CODES.has(err.code)) {
      this.#memberEpoch = JOIN_EPOCH;
      this.#generation++;
      this.#target = null;
      await this.#enqueue(() => this.#loseAll());
      // A fresh join is not fenced; only a repeat means something else is wrong.
      if (failures > 1) await this.#backoff(failures - 1);
      return;
    }
    if (err.retriable || err.code === "UNRELEASED_INSTANCE_ID") {
      await this.#backoff(failures);
      return;
    }
    await this.#fail(err);
  }

  /** Stops for good: whatever is owned is lost, and the user hears why. */
  #fail(err: TributaryError): Promise<void> {
    this.#state = "failed";
    this.#generation++;
    this.#target = null;
    this.#ownership.failed(err);
    return this.#enqueue(() => this.#loseAll());
  }

  async #backoff(failures: number): Promise<void> {
    const { retryBackoffMs, retryBackoffMsMax } = this.#options;
    await this.#wake.wait(
      Math.min(retryBackoffMs * 2 ** Math.min(failures - 1, 10), retryBackoffMsMax),
    );
  }

  async #untilNextHeartbeat(): Promise<void> {
    if (!this.#heartbeatNow && this.#state === "running") {
      await this.#wake.wait(this.#intervalMs);
    }
    this.#heartbeatNow = false;
  }

  #heartbeatSoon(): void {
    this.#heartbeatNow = true;
    this.#wake.notify();
  }

  #sameAsOwned(target: readonly TopicPartition[]): boolean {
    return target.length === this.#owned.size && target.every((tp) => this.#owned.has(tpKey(tp)));
  }

  /** Runs task after every ownership change queued before it. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#serial.then(task);
    // The chain only orders tasks; each task's own failure reaches whoever awaits `run`.
    this.#serial = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Steps toward the latest target until no newer one has arrived. */
  async #reconcile(): Promise<void> {
    try {
      for (;;) {
        const target = this.#target;
        if (target === null || this.#state !== "running") return;
        this.#target = null;
        await this.#reconcileTo(target, this.#generation);
      }
    } catch (err) {
      // Ownership callbacks never throw; if one did, that is a bug the user must see. Not
      // awaited: losing runs after this task, on the same queue.
      void this.#fail(toTributaryError(err));
    } finally {
      this.#reconciling = false;
    }
  }

  async #reconcileTo(target: readonly TopicPartition[], generation: number): Promise<void> {
    const wanted = new Set(target.map(tpKey));
    const revoked = [...this.#owned].filter(([key]) => !wanted.has(key)).map(([, tp]) => tp);
    if (revoked.length > 0) {
      await this.#ownership.revoked(revoked);
      for (const tp of revoked) this.#owned.delete(tpKey(tp));
      if (generation !== this.#generation) return;
      this.#heartbeatSoon();
    }
    const added = target.filter((tp) => !this.#owned.has(tpKey(tp)));
    if (added.length === 0) return;
    for (const tp of added) this.#owned.set(tpKey(tp), tp);
    await this.#ownership.assigned(added);
  }

  async #loseAll(): Promise<void> {
    const lost = [...this.#owned.values()];
    this.#owned.clear();
    if (lost.length > 0) await this.#ownership.lost(lost);
  }

  async #revokeAll(): Promise<void> {
    const revoked = [...this.#owned.values()];
    if (revoked.length === 0) return;
    await this.#ownership.revoked(revoked);
    this.#owned.clear();
  }
}
