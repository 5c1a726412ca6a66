// A simulated consumer that follows the group protocol: it owns what a response hands it, gives
// up what a response no longer lists (at once, or later when it is slow), reports what it owns
// with every heartbeat, and on being fenced drops everything and joins again.
//
// Ownership for the safety check: a partition counts as the client's from the response that
// handed it over until a heartbeat reporting it released was accepted (`held` = owned plus
// released-but-unreported).
import type { SeededRandom } from "../../../runtime/sim/prng.ts";
import type { Assignment, HeartbeatRequest, HeartbeatResponse } from "../../../src/group/mod.ts";
import { TributaryError } from "../../../src/model/errors.ts";

export const GROUP = "g";

export type ClientStatus = "active" | "crashed" | "left" | "staticLeft" | "retired";

export interface ClientOptions {
  label: string;
  instanceId: string | null;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Longest delay before releasing a revoked partition; 0 = releases at once. */
  releaseDelayMsMax: number;
}

/** The coordinator as a client sees it (the workload records what each call appends). */
export type SendHeartbeat = (request: HeartbeatRequest, nowMs: number) => HeartbeatResponse;

export const key = (topic: string, partition: number) => `${topic}:${partition}`;

export function toAssignment(keys: Iterable<string>): Assignment {
  const byTopic = new Map<string, number[]>();
  for (const k of keys) {
    const [topic, p] = k.split(":");
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(p)]);
  }
  return [...byTopic.keys()].sort().map((topic) => ({
    topic,
    partitions: byTopic.get(topic)!.sort((a, b) => a - b),
  }));
}

export function keysOf(a: Assignment): string[] {
  return a.flatMap((e) => e.partitions.map((p) => key(e.topic, p)));
}

export class SimClient {
  readonly label: string;
  readonly instanceId: string | null;
  topics: string[];
  status: ClientStatus = "active";
  memberId = "";
  memberEpoch = 0;
  readonly owned = new Set<string>();
  readonly unreported = new Set<string>();
  /** Revoked partitions the client has not yet got round to releasing, with when it will. */
  readonly releaseAt = new Map<string, number>();
  nextHeartbeatMs = 0;
  heartbeatIntervalMs = 1_000;
  pausedUntilMs = 0;
  loseNextResponse = false;
  releaseDelayMsMax: number;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  #subscriptionChanged = true;

  constructor(options: ClientOptions) {
    this.label = options.label;
    this.instanceId = options.instanceId;
    this.topics = options.topics;
    this.sessionTimeoutMs = options.sessionTimeoutMs;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs;
    this.releaseDelayMsMax = options.releaseDelayMsMax;
  }

  /** Partitions this client counts as owning (see the file comment). */
  held(): Set<string> {
    return new Set([...this.owned, ...this.unreported]);
  }

  subscribe(topics: string[]): void {
    this.topics = topics;
    this.#subscriptionChanged = true;
  }

  /** Releases the revoked partitions whose time has come. */
  releaseDue(nowMs: number): boolean {
    let released = false;
    for (const [k, at] of this.releaseAt) {
      if (at > nowMs) continue;
      this.releaseAt.delete(k);
      this.owned.delete(k);
      this.unreported.add(k);
      released = true;
    }
    return released;
  }

  /** One heartbeat; returns the error code when the coordinator refused it. */
  heartbeat(
    send: SendHeartbeat,
    nowMs: number,
    rng: SeededRandom,
    trace: (s: string) => void,
  ): string | null {
    const joining = this.memberEpoch === 0;
    const sentEpoch = this.memberEpoch;
    const sendTopics = joining || this.#subscriptionChanged;
    let response: HeartbeatResponse;
    try {
      response = send({
        groupId: GROUP,
        memberId: this.memberId,
        memberEpoch: this.memberEpoch,
        instanceId: this.instanceId,
        clientId: this.label,
        subscribedTopics: sendTopics ? this.topics : null,
        sessionTimeoutMs: joining ? this.sessionTimeoutMs : null,
        rebalanceTimeoutMs: joining ? this.rebalanceTimeoutMs : null,
        ownedPartitions: joining ? null : toAssignment(this.owned),
      }, nowMs);
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      this.#refused(err.code, rng);
      trace(`${nowMs} ${this.label} heartbeat e${sentEpoch} -> ${err.code}`);
      return err.code;
    }
    // The coordinator has seen what this request reported, whether or not the response arrives.
    if (!joining) this.unreported.clear();
    this.#subscriptionChanged = false;
    this.nextHeartbeatMs = nowMs + this.heartbeatIntervalMs;
    if (this.loseNextResponse) {
      this.loseNextResponse = false;
      trace(`${nowMs} ${this.label} heartbeat e${sentEpoch} -> response lost`);
      if (joining) this.memberId = "";
      return null;
    }
    this.#apply(response, nowMs, rng);
    trace(
      `${nowMs} ${this.label} heartbeat -> ${this.memberId} e${this.memberEpoch} [${
        keysOf(response.assignment)
      }]`,
    );
    return null;
  }

  /** Releases everything (committing first, in a real consumer) and leaves. */
  leave(send: SendHeartbeat, nowMs: number, staticLeave: boolean): string | null {
    this.dropAll();
    this.status = staticLeave ? "staticLeft" : "left";
    try {
      send({
        groupId: GROUP,
        memberId: this.memberId,
        memberEpoch: staticLeave ? -2 : -1,
        instanceId: this.instanceId,
      }, nowMs);
      return null;
    } catch (err) {
      // Already removed (expired or fenced) without knowing it: leaving is moot.
      const moot = ["UNKNOWN_MEMBER_ID", "FENCED_INSTANCE_ID"];
      if (err instanceof TributaryError && moot.includes(err.code)) return err.code;
      throw err;
    }
  }

  dropAll(): void {
    this.owned.clear();
    this.unreported.clear();
    this.releaseAt.clear();
  }

  #apply(response: HeartbeatResponse, nowMs: number, rng: SeededRandom): void {
    this.memberId = response.memberId;
    this.memberEpoch = response.memberEpoch;
    this.heartbeatIntervalMs = response.heartbeatIntervalMs;
    const assigned = new Set(keysOf(response.assignment));
    for (const k of assigned) {
      this.owned.add(k);
      this.releaseAt.delete(k);
    }
    for (const k of this.owned) {
      if (assigned.has(k) || this.releaseAt.has(k)) continue;
      const delay = this.releaseDelayMsMax === 0 ? 0 : rng.int(this.releaseDelayMsMax + 1);
      this.releaseAt.set(k, nowMs + delay);
    }
    this.releaseDue(nowMs);
  }

  #refused(code: string, rng: SeededRandom): void {
    switch (code) {
      case "UNRELEASED_INSTANCE_ID":
        // Another incarnation still holds the instance id: try again later.
        this.nextHeartbeatMs += this.heartbeatIntervalMs;
        return;
      case "FENCED_INSTANCE_ID":
        // A newer process took over this instance id: this one must stop.
        this.dropAll();
        this.status = "retired";
        return;
      case "UNKNOWN_MEMBER_ID":
      case "FENCED_MEMBER_EPOCH":
        // Fenced: everything owned is lost; join again, under the old id or a new one.
        this.dropAll();
        this.memberEpoch = 0;
        if (code === "UNKNOWN_MEMBER_ID" || rng.chance(0.5)) this.memberId = "";
        return;
      default:
        throw new Error(`${this.label}: unexpected heartbeat error ${code}`);
    }
  }
}
