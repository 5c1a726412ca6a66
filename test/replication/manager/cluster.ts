// Three (or more) ReplicaManagers over real PartitionLogs on one runtime/sim world, wired by an
// in-test network with seeded delay, loss and cut-off brokers, and a tiny controller that
// commits AlterPartition and elects leaders from the ISR. Each broker applies the committed
// partition state in order, after a delay, under the same lock its produces take (the broker's
// Partition serialises produce and role changes the same way).
import type { SimWorld } from "../../../runtime/sim/world.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { AsyncLock } from "../../../src/log/async-lock.ts";
import { PartitionLog } from "../../../src/log/partition-log.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import type { Logger } from "../../../src/logging/logger.ts";
import type {
  AlterPartitionReply,
  AlterPartitionRequest,
  CommittedPartition,
} from "../../../src/model/cluster.ts";
import type { ErrorCodeName } from "../../../src/model/errors.ts";
import { LogReplica } from "../../../src/replication/manager/log-replica.ts";
import type { ReplicaManagerConfig } from "../../../src/replication/manager/options.ts";
import type { PartitionKey } from "../../../src/replication/manager/partition-key.ts";
import type { ReplicaChannel } from "../../../src/replication/manager/replica-channel.ts";
import { ReplicaManager } from "../../../src/replication/manager/replica-manager.ts";

export const KEY: PartitionKey = { topic: "t", topicId: "topic-id-t", partition: 0 };
const DIR = "/data/t-0";
const CONTROLLER = "ctrl";

export interface ClusterOptions {
  brokerIds?: number[];
  /** Chance that one message (request or answer) is lost. */
  lossRate?: number;
  latencyMs?: readonly [number, number];
  config?: Partial<ReplicaManagerConfig>;
  logger?: Logger;
  trace?: (line: string) => void;
  /** The first committed state (default: broker ids[0] leads epoch 0, every replica in sync). */
  initial?: Partial<CommittedPartition>;
  /** Writes to a broker's log before its manager starts (divergence scenarios). */
  prepare?: (brokerId: number, log: PartitionLog) => Promise<void>;
  /** Loses the first n AlterPartition requests. */
  dropAlterPartitions?: number;
  /** The HW a broker's replica starts from (default 0). */
  initialHighWatermark?: (brokerId: number) => number;
}

export interface Broker {
  readonly id: number;
  readonly name: string;
  readonly rt: Runtime;
  incarnation: number;
  manager: ReplicaManager;
  log: PartitionLog;
  replica: LogReplica;
  /** What the broker's Partition would hold: produce and role changes one at a time. */
  lock: AsyncLock;
  alive: boolean;
  /** The partition epoch of the committed state this broker last applied. */
  appliedPartitionEpoch: number;
  /** The HW this incarnation reported, for the never-back check. */
  highWatermarks: number[];
}

export type ProduceOutcome =
  | { ok: true; baseOffset: number; lastOffset: number; leaderId: number; leaderEpoch: number }
  | { ok: false; code: ErrorCodeName | "NO_LEADER" };

export class ReplicaCluster {
  readonly world: SimWorld;
  readonly brokers = new Map<number, Broker>();
  /** The controller's committed state of the one partition. */
  state: CommittedPartition;
  readonly cut = new Set<number>();
  readonly #options: ClusterOptions;
  readonly #controllerRt: Runtime;
  readonly #trace: (line: string) => void;
  /** Brokers the controller considers gone (crashed): never added to the ISR. */
  readonly fenced = new Set<number>();
  alterCommits = 0;
  #alterDrops: number;
  alterRefusals = 0;

  private constructor(world: SimWorld, options: ClusterOptions) {
    this.world = world;
    this.#options = options;
    this.#controllerRt = world.runtime(CONTROLLER);
    this.#trace = options.trace ?? (() => {});
    this.#alterDrops = options.dropAlterPartitions ?? 0;
    const replicas = options.brokerIds ?? [1, 2, 3];
    this.state = {
      leader: replicas[0],
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas,
      isr: replicas.slice(),
      ...options.initial,
    };
  }

  /** Opens every broker's log and manager and hands out the first committed state. */
  static async open(world: SimWorld, options: ClusterOptions = {}): Promise<ReplicaCluster> {
    const cluster = new ReplicaCluster(world, options);
    for (const id of cluster.state.replicas) await cluster.#startBroker(id, true);
    cluster.#publish();
    await cluster.applied();
    return cluster;
  }

  /** Resolves once every live, connected broker has applied the controller's state (bounded). */
  async applied(maxMs = 5_000): Promise<void> {
    const rt = this.#controllerRt;
    const start = rt.clock.monotonicMs();
    const done = () =>
      [...this.brokers.values()].every((b) =>
        !b.alive || this.cut.has(b.id) || b.appliedPartitionEpoch >= this.state.partitionEpoch
      );
    while (!done()) {
      if (rt.clock.monotonicMs() - start > maxMs) throw new Error("metadata not applied in time");
      await rt.timers.sleep(5);
    }
  }

  get leader(): Broker | null {
    return this.brokers.get(this.state.leader) ?? null;
  }

  trace(line: string): void {
    this.#trace(`${Math.round(this.world.scheduler.clock.monotonicMs())}ms ${line}`);
  }

  // ---------------------------------------------------------------------------------------
  // Producing on the leader, as the broker's produce path would

  /** An acks=all produce of values on broker id (the current leader unless given). */
  async produce(
    values: string[],
    options: { brokerId?: number; minInsync?: number; timeoutMs?: number } = {},
  ): Promise<ProduceOutcome> {
    const broker = this.brokers.get(options.brokerId ?? this.state.leader);
    if (broker === undefined || !broker.alive) return { ok: false, code: "NO_LEADER" };
    const manager = broker.manager;
    const appended = await broker.lock.exclusive(async () => {
      const refused = manager.admitAcksAll(KEY, options.minInsync ?? 2);
      if (refused !== null) return { ok: false as const, code: refused };
      const leaderEpoch = manager.leaderEpochOf(KEY);
      const bytes = encodeBatch({
        records: values.map((v) => ({
          key: null,
          value: new TextEncoder().encode(v),
          timestamp: 1,
        })),
      });
      const result = await broker.log.append(bytes, { durable: true, leaderEpoch });
      manager.onLocalAppend(KEY, broker.log.logEndOffset);
      return { ok: true as const, result, leaderEpoch };
    });
    if (!appended.ok) return appended;
    const code = await manager.waitAcksAll(
      KEY,
      appended.result.lastOffset,
      options.timeoutMs ?? 3000,
    );
    if (code !== null) return { ok: false, code };
    return {
      ok: true,
      baseOffset: appended.result.baseOffset,
      lastOffset: appended.result.lastOffset,
      leaderId: broker.id,
      leaderEpoch: appended.leaderEpoch,
    };
  }

  // ---------------------------------------------------------------------------------------
  // The controller

  /** Clean election: the leader moves to another ISR member (random), the ISR stays. */
  moveLeader(): boolean {
    const candidates = this.state.isr.filter((id) =>
      id !== this.state.leader && !this.fenced.has(id)
    );
    if (candidates.length === 0) return false;
    const leader = candidates[this.world.random.int(candidates.length)];
    this.#commit({ ...this.state, leader, leaderEpoch: this.state.leaderEpoch + 1 });
    return true;
  }

  /** The controller fences id (its session ended): it leaves the ISR, and leadership if held. */
  fence(id: number): void {
    this.fenced.add(id);
    const isr = this.state.isr.length > 1 ? this.state.isr.filter((r) => r !== id) : this.state.isr;
    if (this.state.leader !== id) {
      if (isr.length !== this.state.isr.length) this.#commit({ ...this.state, isr });
      return;
    }
    const candidates = isr.filter((r) => !this.fenced.has(r));
    const leader = candidates.length === 0
      ? -1
      : candidates[this.world.random.int(candidates.length)];
    this.#commit({ ...this.state, leader, leaderEpoch: this.state.leaderEpoch + 1, isr });
  }

  unfence(id: number): void {
    this.fenced.delete(id);
    if (this.state.leader === -1 && this.state.isr.includes(id)) {
      this.#commit({ ...this.state, leader: id, leaderEpoch: this.state.leaderEpoch + 1 });
    }
  }

  #alterPartition(request: AlterPartitionRequest): AlterPartitionReply {
    const item = request.partitions[0];
    const s = this.state;
    const refuse = (code: ErrorCodeName): AlterPartitionReply => {
      this.alterRefusals++;
      this.trace(`controller refuses ${code} isr=[${item.newIsr}] from ${request.brokerId}`);
      return {
        partitions: [{
          topicId: item.topicId,
          partition: item.partition,
          error: { code, message: code },
          state: { ...s },
        }],
      };
    };
    if (item.leaderEpoch < s.leaderEpoch) return refuse("FENCED_LEADER_EPOCH");
    if (request.brokerId !== s.leader || item.leaderEpoch > s.leaderEpoch) {
      return refuse("NOT_LEADER_OR_FOLLOWER");
    }
    if (item.partitionEpoch !== s.partitionEpoch) return refuse("INVALID_UPDATE_VERSION");
    const isr = [...item.newIsr].sort((a, b) => a - b);
    if (!isr.includes(s.leader) || isr.some((id) => !s.replicas.includes(id))) {
      return refuse("INVALID_REQUEST");
    }
    if (isr.some((id) => !s.isr.includes(id) && this.fenced.has(id))) {
      return refuse("INELIGIBLE_REPLICA");
    }
    this.alterCommits++;
    this.#commit({ ...s, isr });
    return {
      partitions: [{
        topicId: item.topicId,
        partition: item.partition,
        error: null,
        state: { ...this.state },
      }],
    };
  }

  #commit(next: CommittedPartition): void {
    this.state = { ...next, partitionEpoch: this.state.partitionEpoch + 1 };
    this.trace(
      `commit leader=${this.state.leader} epoch=${this.state.leaderEpoch} ` +
        `pe=${this.state.partitionEpoch} isr=[${this.state.isr}]`,
    );
    this.#publish();
  }

  /** Every live broker applies the controller's state as of delivery, in order, after a delay. */
  #publish(): void {
    for (const broker of this.brokers.values()) this.#deliverMetadata(broker);
  }

  #deliverMetadata(broker: Broker): void {
    const incarnation = broker.incarnation;
    this.#controllerRt.timers.setTimeout(() => {
      if (!broker.alive || broker.incarnation !== incarnation || this.cut.has(broker.id)) return;
      const state = { ...this.state };
      void broker.lock.exclusive(async () => {
        if (!broker.alive || broker.incarnation !== incarnation) return;
        if (state.partitionEpoch <= broker.appliedPartitionEpoch) return;
        if (state.leader === broker.id) {
          await broker.manager.becomeLeader(KEY, state, broker.replica);
        } else if (broker.manager.roleOf(KEY) === null) {
          await broker.manager.becomeFollower(KEY, state, broker.replica);
        } else {
          await broker.manager.onPartitionChange(KEY, state);
        }
        broker.appliedPartitionEpoch = state.partitionEpoch;
      });
    }, this.#delayMs());
  }

  // ---------------------------------------------------------------------------------------
  // Faults

  /** Cuts id off the network (and the metadata) until heal(id). */
  cutOff(id: number): void {
    this.cut.add(id);
    this.trace(`cut ${id}`);
  }

  heal(id: number): void {
    this.cut.delete(id);
    this.trace(`heal ${id}`);
    const broker = this.brokers.get(id);
    if (broker !== undefined) this.#deliverMetadata(broker);
  }

  /** Power cut on id: unsynced writes may be lost; the controller fences it. */
  crash(id: number): void {
    const broker = this.#broker(id);
    broker.alive = false;
    this.world.crash(broker.name);
    this.trace(`crash ${id}`);
    void broker.manager.close();
    this.fence(id);
  }

  /** Restarts a crashed broker on its disk: a new incarnation, log recovered, HW from 0. */
  async restart(id: number): Promise<void> {
    await this.#startBroker(id);
    this.trace(`restart ${id} leo=${this.#broker(id).log.logEndOffset}`);
    this.unfence(id);
    this.#deliverMetadata(this.#broker(id));
  }

  async close(): Promise<void> {
    for (const broker of this.brokers.values()) {
      if (broker.alive) await broker.manager.close();
    }
  }

  // ---------------------------------------------------------------------------------------

  async #startBroker(id: number, first = false): Promise<void> {
    const name = `b${id}`;
    const rt = this.world.runtime(name);
    const log = await PartitionLog.open(rt, DIR, {}, { leaderEpochs: true });
    if (first) await this.#options.prepare?.(id, log);
    const previous = this.brokers.get(id);
    const incarnation = (previous?.incarnation ?? 0) + 1;
    const highWatermarks: number[] = [];
    const replica = new LogReplica(log, {
      onHighWatermark: (hw) => highWatermarks.push(hw),
      highWatermark: first ? this.#options.initialHighWatermark?.(id) : 0,
    });
    const manager = new ReplicaManager({
      runtime: rt,
      brokerId: id,
      incarnationId: `${name}-${incarnation}`,
      channel: this.#channel(id, incarnation),
      logger: this.#options.logger,
      config: this.#options.config,
    });
    this.brokers.set(id, {
      id,
      name,
      rt,
      incarnation,
      manager,
      log,
      replica,
      lock: new AsyncLock(`partition b${id}`),
      alive: true,
      appliedPartitionEpoch: -1,
      highWatermarks,
    });
  }

  #broker(id: number): Broker {
    const broker = this.brokers.get(id);
    if (broker === undefined) throw new Error(`no broker ${id}`);
    return broker;
  }

  #channel(from: number, incarnation: number): ReplicaChannel {
    return {
      fetch: (leaderId, request) =>
        this.#send(from, incarnation, leaderId, (to) => to.manager.replicaFetch(request)),
      epochEnd: (leaderId, request) =>
        this.#send(from, incarnation, leaderId, (to) => to.manager.epochEnd(request)),
      alterPartition: (request) => {
        if (this.#alterDrops-- > 0) return new Promise(() => {});
        return this.#send(
          from,
          incarnation,
          null,
          () => Promise.resolve(this.#alterPartition(request)),
        );
      },
    };
  }

  /**
   * One request from `from` to broker `to` (null: the controller) and its answer, each after a
   * delay; lost (never settling) when either end is cut off or gone, or at random.
   */
  #send<T>(
    from: number,
    incarnation: number,
    to: number | null,
    handle: (broker: Broker) => Promise<T>,
  ): Promise<T> {
    const sender = this.#broker(from);
    return new Promise<T>((resolve) => {
      if (this.#lost(from, to)) return;
      sender.rt.timers.setTimeout(() => {
        const target = to === null ? sender : this.brokers.get(to);
        if (target === undefined || !target.alive || this.cut.has(from)) return;
        if (to !== null && this.cut.has(to)) return;
        const targetIncarnation = target.incarnation;
        const answerTimers = to === null ? this.#controllerRt.timers : target.rt.timers;
        void handle(target).then((answer) => {
          if (this.#lost(from, to) || (to !== null && target.incarnation !== targetIncarnation)) {
            return;
          }
          answerTimers.setTimeout(() => {
            if (sender.alive && sender.incarnation === incarnation) resolve(answer);
          }, this.#delayMs());
        });
      }, this.#delayMs());
    });
  }

  #lost(from: number, to: number | null): boolean {
    if (this.cut.has(from) || (to !== null && this.cut.has(to))) return true;
    const rate = this.#options.lossRate ?? 0;
    return rate > 0 && this.world.random.float() < rate;
  }

  #delayMs(): number {
    const [min, max] = this.#options.latencyMs ?? [1, 5];
    return min + this.world.random.int(max - min + 1);
  }
}
