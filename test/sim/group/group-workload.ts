// One seeded run of the group coordinator against simulated consumers: random joins, leaves,
// static restarts, crashes (a crashed client stops heartbeating but may still try to commit,
// like a zombie), pauses, slow revocations, lost responses, subscription and partition-count
// changes, and time passing. After every operation the checker verifies that no partition has
// two owners; after the run settles, that every subscribed partition has exactly one owner and
// the assignment equals the target; finally, that replaying the records rebuilds the state.
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import {
  decodeGroupRecord,
  encodeGroupRecord,
  GroupCoordinator,
  type GroupRecord,
  type HeartbeatRequest,
  type HeartbeatResponse,
} from "../../../src/group/mod.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { checkOwnership, checkSettled } from "./group-checks.ts";
import { type ClientStatus, GROUP, key, SimClient } from "./sim-client.ts";

const TOPICS = ["t0", "t1", "t2", "t3"];
const PARTITIONS_MAX = 12;
const ACTIVE_CLIENTS_MAX = 8;
const INSTANCE_IDS = ["s0", "s1", "s2", "s3"];
const STEP_MS_MAX = 400;

export interface WorkloadOptions {
  seed: number;
  steps: number;
  trace: (line: string) => void;
}

export class GroupWorkload {
  readonly rng: SeededRandom;
  c: GroupCoordinator;
  readonly records: GroupRecord[] = [];
  readonly clients: SimClient[] = [];
  readonly partitionCounts = new Map<string, number>();
  /** Last successful commit per partition: what fetchOffsets must return at the end. */
  readonly committed = new Map<string, number>();
  readonly #options: WorkloadOptions;
  readonly #sessionMsMax: number;
  readonly #newCoordinator: () => GroupCoordinator;
  #now = 0;
  #labels = 0;
  #offsets = 0;

  constructor(options: WorkloadOptions) {
    this.#options = options;
    this.rng = new SeededRandom(options.seed);
    for (const topic of TOPICS.slice(0, this.rng.intBetween(1, 3))) {
      this.partitionCounts.set(topic, this.rng.intBetween(1, 8));
    }
    const idRng = this.rng.fork("member-ids");
    const assignor = ["sticky", "sticky", "range", "round-robin"][this.rng.int(4)];
    this.#sessionMsMax = 6_000;
    this.#newCoordinator = () =>
      new GroupCoordinator({
        newMemberId: () => `m${idRng.int(1 << 30).toString(36)}`,
        partitionCounts: this.partitionCounts,
        config: {
          heartbeatIntervalMs: 1_000,
          defaultAssignor: assignor,
          sessionTimeoutMsDefault: this.#sessionMsMax,
          sessionTimeoutMsMax: this.#sessionMsMax,
        },
      });
    this.c = this.#newCoordinator();
    this.trace(`seed ${options.seed}: assignor ${assignor}, topics ${[...this.partitionCounts]}`);
  }

  trace(line: string): void {
    this.#options.trace(line);
  }

  run(): void {
    for (let i = 0; i < 2; i++) this.#join();
    for (let step = 0; step < this.#options.steps; step++) {
      this.#advance(this.rng.intBetween(1, STEP_MS_MAX), true);
      if (this.rng.chance(0.35)) this.#event();
    }
    this.#settle();
    checkSettled(this);
    this.#checkOffsets();
    this.#checkReplay();
  }

  /** Live clients: active, and still members as far as the coordinator knows. */
  liveMemberIds(): Set<string> {
    if (this.c.groupState(GROUP) === "dead") return new Set();
    return new Set(this.c.describeGroup(GROUP).members.map((m) => m.memberId));
  }

  activeClients(): SimClient[] {
    return this.clients.filter((c) => c.status === "active");
  }

  #record(result: { records: GroupRecord[] }): void {
    this.records.push(...result.records);
  }

  /** Lets time pass in small steps: ticks, releases and heartbeats as they fall due. */
  #advance(ms: number, slowAllowed: boolean): void {
    const end = this.#now + ms;
    while (this.#now < end) {
      this.#now = Math.min(end, this.#now + 100);
      const next = this.c.nextDeadlineMs();
      if (next !== null && next <= this.#now) this.#op("tick", () => this.#tick());
      for (const client of this.#shuffled(this.activeClients())) {
        if (!slowAllowed) client.releaseDelayMsMax = 0;
        if (client.releaseDue(this.#now)) this.#check();
        if (client.nextHeartbeatMs <= this.#now && client.pausedUntilMs <= this.#now) {
          this.#op(`${client.label} heartbeat`, () => this.#heartbeat(client));
        }
      }
    }
  }

  #tick(): void {
    const before = this.liveMemberIds();
    this.#record(this.c.tick(this.#now));
    const after = this.liveMemberIds();
    const removed = [...before].filter((id) => !after.has(id));
    if (removed.length > 0) this.trace(`${this.#now} tick removes ${removed}`);
  }

  readonly #send = (request: HeartbeatRequest, nowMs: number): HeartbeatResponse => {
    const { response, records } = this.c.heartbeat(request, nowMs);
    this.records.push(...records);
    return response;
  };

  #heartbeat(client: SimClient): void {
    client.heartbeat(this.#send, this.#now, this.rng, (s) => this.trace(s));
  }

  #op(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${this.#now} ${what} failed: ${message}`, { cause: err });
    }
    this.#check();
  }

  #check(): void {
    this.c.checkInvariants();
    checkOwnership(this);
  }

  #event(): void {
    const roll = this.rng.int(100);
    const active = this.activeClients();
    const pick = () => active[this.rng.int(active.length)];
    if (roll < 18) this.#join();
    else if (roll < 26 && active.length > 0) this.#leave(pick(), false);
    else if (roll < 34 && active.length > 0) this.#leave(pick(), true);
    else if (roll < 42) this.#restartStatic();
    else if (roll < 50 && active.length > 0) this.#crash(pick());
    else if (roll < 56 && active.length > 0) this.#pause(pick());
    else if (roll < 64 && active.length > 0) this.#resubscribe(pick());
    else if (roll < 72) this.#changePartitions();
    else if (roll < 78 && active.length > 0) pick().loseNextResponse = true;
    else if (roll < 90) this.#commit();
    else if (roll < 96) this.#zombieCommit();
    else this.#failover();
  }

  #join(instanceId: string | null = null): void {
    if (this.activeClients().length >= ACTIVE_CLIENTS_MAX) return;
    const staticId = instanceId ?? (this.rng.chance(0.3) ? this.#freeInstanceId() : null);
    const sessionTimeoutMs = this.rng.intBetween(2_000, this.#sessionMsMax);
    const client = new SimClient({
      label: `c${++this.#labels}`,
      instanceId: staticId,
      topics: this.#randomTopics(),
      sessionTimeoutMs,
      rebalanceTimeoutMs: this.rng.intBetween(1_000, 8_000),
      releaseDelayMsMax: this.rng.chance(0.3) ? this.rng.intBetween(100, 10_000) : 0,
    });
    client.nextHeartbeatMs = this.#now;
    this.clients.push(client);
    this.trace(
      `${this.#now} ${client.label} starts (instance ${staticId}, topics ${client.topics})`,
    );
  }

  #freeInstanceId(): string | null {
    const used = new Set(
      this.clients.filter((c) => c.status === "active").map((c) => c.instanceId),
    );
    const free = INSTANCE_IDS.filter((id) => !used.has(id));
    return free.length > 0 ? free[this.rng.int(free.length)] : null;
  }

  #leave(client: SimClient, staticLeave: boolean): void {
    if (client.memberEpoch <= 0 || (staticLeave && client.instanceId === null)) return;
    this.#op(`${client.label} leave${staticLeave ? " (static)" : ""}`, () => {
      const code = client.leave(this.#send, this.#now, staticLeave);
      this.trace(
        `${this.#now} ${client.label} leaves${staticLeave ? " statically" : ""} ${code ?? ""}`,
      );
    });
  }

  /**
   * A new process for an instance id whose previous one left statically, crashed, or is paused
   * (it will find itself fenced when it wakes up).
   */
  #restartStatic(): void {
    const gone: ClientStatus[] = ["staticLeft", "crashed"];
    const paused = (c: SimClient) => c.status === "active" && c.pausedUntilMs > this.#now;
    const candidates = this.clients.filter((c) =>
      c.instanceId !== null && (gone.includes(c.status) || paused(c)) &&
      !this.clients.some((o) => o !== c && o.status === "active" && o.instanceId === c.instanceId)
    );
    if (candidates.length === 0) return;
    const old = candidates[this.rng.int(candidates.length)];
    this.trace(
      `${this.#now} instance ${old.instanceId} restarts (previous process ${old.label} ${old.status})`,
    );
    if (old.status !== "active") old.status = "retired";
    this.#join(old.instanceId);
  }

  #crash(client: SimClient): void {
    client.status = "crashed";
    this.trace(`${this.#now} ${client.label} crashes holding [${[...client.held()]}]`);
  }

  #pause(client: SimClient): void {
    client.pausedUntilMs = this.#now + this.rng.intBetween(500, 2 * client.sessionTimeoutMs);
    this.trace(`${this.#now} ${client.label} pauses until ${client.pausedUntilMs}`);
  }

  #resubscribe(client: SimClient): void {
    client.subscribe(this.#randomTopics());
    this.trace(`${this.#now} ${client.label} subscribes to ${client.topics}`);
  }

  #changePartitions(): void {
    const topic = TOPICS[this.rng.int(TOPICS.length)];
    const count = this.partitionCounts.get(topic) ?? 0;
    const next = this.rng.chance(0.1)
      ? 0
      : Math.min(PARTITIONS_MAX, count + this.rng.intBetween(1, 3));
    if (next === count) return;
    if (next === 0) this.partitionCounts.delete(topic);
    else this.partitionCounts.set(topic, next);
    this.trace(`${this.#now} topic ${topic}: ${count} -> ${next} partitions`);
    this.#op(
      `partitions of ${topic}`,
      () => this.#record(this.c.onPartitionCountChange(topic, next, this.#now)),
    );
  }

  /** A live client commits one of its partitions at its epoch: must succeed unless fenced. */
  #commit(): void {
    const owners = this.activeClients().filter((c) => c.memberEpoch > 0 && c.owned.size > 0);
    if (owners.length === 0) return;
    const client = owners[this.rng.int(owners.length)];
    const partitionKey = [...client.owned][this.rng.int(client.owned.size)];
    const live = this.liveMemberIds().has(client.memberId);
    const member = live
      ? this.c.describeGroup(GROUP).members.find((m) => m.memberId === client.memberId)
      : undefined;
    const [topic, p] = partitionKey.split(":");
    const exists = Number(p) < (this.partitionCounts.get(topic) ?? 0);
    const code = this.#tryCommit(client, partitionKey);
    if (
      member !== undefined && member.memberEpoch === client.memberEpoch && exists && code !== null
    ) {
      throw new Error(`${client.label} at its epoch could not commit ${partitionKey}: ${code}`);
    }
  }

  /** A crashed client (a zombie) commits: must fail once the coordinator has removed it. */
  #zombieCommit(): void {
    const zombies = this.clients.filter((c) =>
      c.status === "crashed" && c.memberEpoch > 0 && c.owned.size > 0
    );
    if (zombies.length === 0) return;
    const zombie = zombies[this.rng.int(zombies.length)];
    const removed = !this.liveMemberIds().has(zombie.memberId);
    const code = this.#tryCommit(zombie, [...zombie.owned][0]);
    if (removed && code === null) throw new Error(`zombie ${zombie.label} committed after removal`);
  }

  #tryCommit(client: SimClient, partitionKey: string): string | null {
    const [topic, p] = partitionKey.split(":");
    const offset = ++this.#offsets;
    try {
      this.#record(this.c.commitOffsets({
        groupId: GROUP,
        memberId: client.memberId,
        memberEpoch: client.memberEpoch,
        offsets: [{ topic, partition: Number(p), offset }],
      }, this.#now));
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      this.trace(`${this.#now} ${client.label} commit ${partitionKey}@${offset} -> ${err.code}`);
      return err.code;
    }
    this.committed.set(key(topic, Number(p)), offset);
    this.trace(`${this.#now} ${client.label} commit ${partitionKey}@${offset}`);
    this.#check();
    return null;
  }

  /** No more events; every client becomes prompt; time passes until sessions run out. */
  #settle(): void {
    this.trace(`${this.#now} settling`);
    for (const client of this.activeClients()) client.pausedUntilMs = 0;
    // Two live processes with one instance id: the operator stops the older one.
    for (const client of this.activeClients()) {
      const newer = this.activeClients().some((o) =>
        o !== client && o.instanceId === client.instanceId &&
        client.instanceId !== null && this.clients.indexOf(o) > this.clients.indexOf(client)
      );
      if (newer) this.#crash(client);
    }
    const settleMs = 3 * 8_000 + 4 * this.#sessionMsMax;
    this.#advance(settleMs, false);
  }

  /**
   * The coordinator moves: a new one replays the log (read back from bytes, and sometimes
   * compacted first: latest record per key, tombstones dropped) and takes over.
   */
  #failover(): void {
    const compact = this.rng.chance(0.5);
    this.trace(`${this.#now} coordinator failover${compact ? " (from a compacted log)" : ""}`);
    this.#op("failover", () => {
      const fresh = this.#newCoordinator();
      for (const record of compact ? compacted(this.records) : this.records) {
        const { key: k, value } = encodeGroupRecord(record);
        fresh.replay(decodeGroupRecord(k, value));
      }
      if (JSON.stringify(fresh.snapshot()) !== JSON.stringify(this.c.snapshot())) {
        throw new Error("replayed state differs from the live state");
      }
      this.c = fresh;
      this.#record(fresh.onLoaded(this.#now));
    });
  }

  #checkOffsets(): void {
    const fetched = this.c.fetchOffsets({ groupId: GROUP }, this.#now);
    const got = new Map(fetched.map((o) => [key(o.topic, o.partition), o.offset]));
    for (const [k, offset] of this.committed) {
      if (got.get(k) !== offset) throw new Error(`committed ${k}@${offset}, fetched ${got.get(k)}`);
    }
    if (got.size !== this.committed.size) throw new Error("fetched offsets nobody committed");
  }

  #checkReplay(): void {
    const live = JSON.stringify(this.c.snapshot());
    for (const records of [this.records, compacted(this.records)]) {
      const fresh = this.#newCoordinator();
      for (const record of records) {
        const { key: k, value } = encodeGroupRecord(record);
        fresh.replay(decodeGroupRecord(k, value));
      }
      if (JSON.stringify(fresh.snapshot()) !== live) {
        throw new Error("replayed state differs from the live state");
      }
    }
  }

  #randomTopics(): string[] {
    const topics = TOPICS.filter(() => this.rng.chance(0.5));
    return topics.length > 0 ? topics : [TOPICS[this.rng.int(TOPICS.length)]];
  }

  #shuffled<T>(items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  get nowMs(): number {
    return this.#now;
  }
}

/** What log compaction leaves: the latest record per key, in log order, without tombstones. */
function compacted(records: readonly GroupRecord[]): GroupRecord[] {
  const keys = records.map((r) => encodeGroupRecord(r).key.join(","));
  const last = new Map(keys.map((k, i) => [k, i]));
  return records.filter((r, i) => last.get(keys[i]) === i && r.type !== "Tombstone");
}
