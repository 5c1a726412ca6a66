// One controller of the quorum: the Raft driver replicating the metadata log, the committed
// image built from it, and, while this node is the Raft leader, the active QuorumController
// that decides. It is the ControllerService the controller listener serves.
//
// Becoming active: the Raft leader of term T decides only once an entry of term T (its no-op)
// has committed and been applied, so its committed image holds every entry of earlier terms.
// Until then, and on every node that is not the leader, requests are refused with
// NOT_CONTROLLER (the caller's router moves on). Decisions are taken synchronously, in call
// order, on the active controller's speculative image and proposed in that order; a proposal
// that fails (leadership lost) discards the active controller, because its speculative image
// may now hold records that never commit.
//
// Entries and snapshots are CBOR arrays of encodeMetadataRecord bytes: an entry is one atomic
// change (a committed batch, offset = its Raft index), a snapshot is the image's records.
import { decode as cborDecode } from "cbor-x/decode";
import { encode as cborEncode } from "cbor-x/encode";
import type { Runtime, TimerHandle } from "../../runtime/types.ts";
import type { ControllerService, MetadataFetchReply, RaftEnvelope } from "../model/cluster.ts";
import { assert, TributaryError } from "../model/errors.ts";
import { escalateInvariant } from "../model/invariant.ts";
import type { Logger } from "../logging/logger.ts";
import { CommittedImage } from "../metadata/committed-image.ts";
import { MetadataImage } from "../metadata/image.ts";
import { imageRecords } from "../metadata/image-records.ts";
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from "../metadata/records.ts";
import { QuorumController } from "../controller/quorum/controller.ts";
import type { Decision } from "../controller/quorum/image-view.ts";
import { type CommittedEntry, RaftDriver, type RaftTransport } from "./raft/driver.ts";
import { CommittedBatches } from "./committed-batches.ts";

export interface ControllerNodeOptions {
  nodeId: number;
  voterIds: readonly number[];
  dataDir: string;
  transport: RaftTransport;
  logger: Logger;
  /** The cluster id this node's meta.properties holds; null on a first start. */
  clusterIdHint: string | null;
  electionTimeoutMs: number;
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  defaultReplicationFactor: number;
  defaultPartitions: number;
  autoLeaderRebalance: boolean;
  leaderImbalanceCheckIntervalMs?: number;
  validateConfigs: (configs: Record<string, string>) => Record<string, string>;
  /** Entries between snapshots (default 1000). */
  snapshotEveryEntries?: number;
  /** Called once the committed image holds a cluster id (to store it in meta.properties). */
  onClusterId?: (clusterId: string) => void;
}

interface Active {
  term: number;
  qc: QuorumController;
  tick: TimerHandle | null;
  /** The latest proposal not known committed yet: the image decisions read includes it. */
  pending: Promise<unknown> | null;
}

const TICK_MS_MAX = 100;
const ENTRY_RECORDS_MAX = 100_000;

export class ControllerNode implements ControllerService {
  readonly #rt: Runtime;
  readonly #options: ControllerNodeOptions;
  readonly committed = new CommittedImage();
  readonly #tail: CommittedBatches;
  #driver!: RaftDriver;
  /** Where each broker's current incarnation was registered (for its catch-up check). */
  readonly #registrations = new Map<number, { incarnationId: string; offset: number }>();
  #leaderTerm: number | null = null;
  #active: Active | null = null;
  #closed = false;
  #clusterIdReported = false;

  private constructor(rt: Runtime, options: ControllerNodeOptions) {
    this.#rt = rt;
    this.#options = options;
    this.#tail = new CommittedBatches(rt.timers);
  }

  static async open(rt: Runtime, options: ControllerNodeOptions): Promise<ControllerNode> {
    const node = new ControllerNode(rt, options);
    node.#driver = await RaftDriver.open(rt, {
      dataDir: options.dataDir,
      config: {
        nodeId: options.nodeId,
        voterIds: options.voterIds,
        electionTimeoutMs: options.electionTimeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        appendEntriesMax: 256,
      },
      logger: options.logger,
      transport: options.transport,
      snapshotEveryEntries: options.snapshotEveryEntries ?? 1000,
      takeSnapshot: (index) => node.#snapshotAt(index),
    });
    node.#driver.onSnapshot((index, term, data) => node.#installSnapshot(index, term, data));
    node.#driver.onCommit((entries) => node.#applyCommitted(entries));
    node.#driver.onLeaderChange((leaderId, term) => node.#leaderChanged(leaderId, term));
    node.#driver.start();
    return node;
  }

  get nodeId(): number {
    return this.#options.nodeId;
  }

  /** Raft's view (role, term, leader, commit index) for metrics and describe. */
  status(): ReturnType<RaftDriver["status"]> & { active: boolean } {
    return { ...this.#driver.status(), active: this.#active !== null };
  }

  get clusterId(): string | null {
    return this.committed.image.clusterId;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#deactivate();
    this.#tail.wakeAll();
    await this.#driver.close();
  }

  // -------------------------------------------------------------------------------------------
  // ControllerService

  receiveRaft(envelope: RaftEnvelope): void {
    const ours = this.committed.image.clusterId;
    // Before the quorum agreed on an id there is none to check; after, a stray cluster's
    // controller (a copied config, a reused port) is ignored.
    if (ours !== null && envelope.clusterId !== "" && envelope.clusterId !== ours) return;
    if (envelope.to !== this.#options.nodeId || this.#closed) return;
    this.#driver.receive(envelope.from, envelope.message);
  }

  async registerBroker(
    request: Parameters<ControllerService["registerBroker"]>[0],
  ): ReturnType<ControllerService["registerBroker"]> {
    const { reply, offset } = await this.#decide((qc) =>
      qc.registerBroker(request, this.#rt.clock.nowMs())
    );
    if (reply.registration !== null) return { registeredAtOffset: offset };
    const known = this.#registrations.get(request.brokerId);
    return {
      registeredAtOffset: known?.incarnationId === request.incarnationId
        ? known.offset
        : this.committed.committedOffset,
    };
  }

  async brokerHeartbeat(
    request: Parameters<ControllerService["brokerHeartbeat"]>[0],
  ): ReturnType<ControllerService["brokerHeartbeat"]> {
    const known = this.#registrations.get(request.brokerId);
    const registeredAtOffset = known?.incarnationId === request.incarnationId ? known.offset : null;
    const { reply } = await this.#decide((qc) =>
      qc.brokerHeartbeat(request, this.#rt.clock.nowMs(), { registeredAtOffset })
    );
    return reply;
  }

  async fetchMetadata(
    request: Parameters<ControllerService["fetchMetadata"]>[0],
  ): Promise<MetadataFetchReply> {
    this.#requireActive();
    const maxBytes = Math.max(1, request.maxBytes);
    let batches = this.#tail.since(request.fromOffset, maxBytes);
    if (batches !== null && batches.length === 0 && request.maxWaitMs > 0) {
      await this.#tail.waitForMore(Math.min(request.maxWaitMs, 30_000));
      this.#requireActive();
      batches = this.#tail.since(request.fromOffset, maxBytes);
    }
    const term = this.#driver.status().term;
    if (batches === null) {
      return {
        epoch: term,
        committedOffset: this.committed.committedOffset,
        snapshot: {
          offset: this.committed.committedOffset,
          epoch: this.committed.committedEpoch,
          records: imageRecords(this.committed.image).map(encodeMetadataRecord),
        },
        batches: [],
      };
    }
    return {
      epoch: term,
      committedOffset: this.committed.committedOffset,
      snapshot: null,
      batches,
    };
  }

  async alterPartition(
    request: Parameters<ControllerService["alterPartition"]>[0],
  ): ReturnType<ControllerService["alterPartition"]> {
    // A refusal carries the partition's state, which the leader acts on (a newer leader: it
    // resigns): it must be committed state, not a proposal that may yet be lost with this term
    // (3-node simulation seed 140: a leader resigned on a change that never committed, and no
    // committed delta ever gave its role back).
    return (await this.#decide((qc) => qc.alterPartition(request), { committedOnly: true })).reply;
  }

  async createTopics(
    request: Parameters<ControllerService["createTopics"]>[0],
  ): ReturnType<ControllerService["createTopics"]> {
    const { reply, offset } = await this.#decide((qc) => qc.createTopics(request));
    const wrote = reply.topics.some((t) => t.error === null) && request.validateOnly !== true;
    return { ...reply, committedOffset: wrote ? offset : -1 };
  }

  async deleteTopics(
    request: Parameters<ControllerService["deleteTopics"]>[0],
  ): ReturnType<ControllerService["deleteTopics"]> {
    const { reply, offset } = await this.#decide((qc) => qc.deleteTopics(request.names));
    return { ...reply, committedOffset: offset };
  }

  async createPartitions(
    request: Parameters<ControllerService["createPartitions"]>[0],
  ): ReturnType<ControllerService["createPartitions"]> {
    const { offset } = await this.#decide((qc) =>
      qc.createPartitions(request.topic, request.count)
    );
    return { committedOffset: offset };
  }

  async alterTopicConfigs(
    request: Parameters<ControllerService["alterTopicConfigs"]>[0],
  ): ReturnType<ControllerService["alterTopicConfigs"]> {
    const { offset } = await this.#decide((qc) =>
      qc.alterTopicConfigs(request.topic, request.configs)
    );
    return { committedOffset: offset };
  }

  async allocateProducerIds(
    request: Parameters<ControllerService["allocateProducerIds"]>[0],
  ): ReturnType<ControllerService["allocateProducerIds"]> {
    const { reply, offset } = await this.#decide((qc) =>
      qc.allocateProducerIds(request.brokerId, request.count)
    );
    return { start: reply.start, committedOffset: offset };
  }

  async electLeaders(
    request: Parameters<ControllerService["electLeaders"]>[0],
  ): ReturnType<ControllerService["electLeaders"]> {
    const { offset } = await this.#decide((qc) => qc.electLeaders(request.partitions));
    return { committedOffset: offset };
  }

  async reassignPartitions(
    request: Parameters<ControllerService["reassignPartitions"]>[0],
  ): ReturnType<ControllerService["reassignPartitions"]> {
    const { reply, offset } = await this.#decide((qc) => qc.reassignPartitions(request.partitions));
    return { partitions: reply.partitions, committedOffset: offset };
  }

  // -------------------------------------------------------------------------------------------
  // Deciding

  #requireActive(): Active {
    if (this.#closed) throw new TributaryError("NOT_CONTROLLER", "this controller is closed");
    const active = this.#active;
    if (active === null) {
      const leader = this.#driver.status().leaderId;
      throw new TributaryError(
        "NOT_CONTROLLER",
        `node ${this.#options.nodeId} is not the active controller (leader: ${String(leader)})`,
      );
    }
    return active;
  }

  /** Decides now, proposes the records, and answers once they are committed. */
  async #decide<T>(
    decide: (qc: QuorumController) => Decision<T>,
    options: { committedOnly?: boolean } = {},
  ): Promise<{
    reply: T;
    offset: number;
  }> {
    const active = this.#requireActive();
    const { records, reply } = decide(active.qc);
    try {
      if (records.length === 0) {
        // A reply that wrote nothing read the image with every earlier proposal in it; proposals
        // commit in order, so once the latest has, so has what this reply saw.
        if (options.committedOnly === true && active.pending !== null) await active.pending;
        return { reply, offset: this.committed.committedOffset };
      }
      const proposal = this.#driver.propose(encodeEntry(records as MetadataRecord[]));
      active.pending = proposal;
      const at = await proposal;
      if (active.pending === proposal) active.pending = null;
      return { reply, offset: at.index };
    } catch (err) {
      if (this.#active === active) this.#deactivate();
      if (err instanceof TributaryError && err.code === "NOT_CONTROLLER") throw err;
      throw new TributaryError("NOT_CONTROLLER", `proposal failed: ${messageOf(err)}`, {
        cause: err,
      });
    }
  }

  #leaderChanged(leaderId: number | null, term: number): void {
    if (leaderId === this.#options.nodeId) {
      this.#leaderTerm = term;
      this.#options.logger.info("controller.elected", `node ${leaderId} leads term ${term}`, {
        term,
      });
      return;
    }
    this.#leaderTerm = null;
    this.#deactivate();
  }

  #activate(term: number): void {
    const qc = new QuorumController({
      image: this.committed.image,
      nowMs: this.#rt.clock.nowMs(),
      random: this.#rt.random,
      validateConfigs: this.#options.validateConfigs,
      sessionTimeoutMs: this.#options.sessionTimeoutMs,
      defaultReplicationFactor: this.#options.defaultReplicationFactor,
      defaultPartitions: this.#options.defaultPartitions,
      autoLeaderRebalance: this.#options.autoLeaderRebalance,
      ...(this.#options.leaderImbalanceCheckIntervalMs === undefined
        ? {}
        : { leaderImbalanceCheckIntervalMs: this.#options.leaderImbalanceCheckIntervalMs }),
    });
    const active: Active = { term, qc, tick: null, pending: null };
    this.#active = active;
    this.#options.logger.info("controller.active", `node ${this.#options.nodeId} is active`, {
      term,
      committedOffset: this.committed.committedOffset,
    });
    this.#background(
      this.#decide((c) => c.bootstrap(this.#options.clusterIdHint ?? undefined)),
      "bootstrap",
    );
    this.#scheduleTick(active);
  }

  #scheduleTick(active: Active): void {
    const now = this.#rt.clock.nowMs();
    const next = active.qc.nextDeadlineMs();
    const delay = Math.max(1, Math.min(TICK_MS_MAX, next === null ? TICK_MS_MAX : next - now));
    active.tick = this.#rt.timers.setTimeout(() => {
      if (this.#active !== active) return;
      this.#background(this.#decide((qc) => qc.tick(this.#rt.clock.nowMs())), "tick");
      if (this.#active === active) this.#scheduleTick(active);
    }, delay);
  }

  #deactivate(): void {
    const active = this.#active;
    if (active === null) return;
    active.tick?.cancel();
    this.#active = null;
    // Brokers parked on a fetch go to the next controller.
    this.#tail.wakeAll();
  }

  #background(work: Promise<unknown>, what: string): void {
    work.catch((err: unknown) => {
      if (escalateInvariant(err, `controller ${what}`) !== null) return;
      if (err instanceof TributaryError && err.code === "NOT_CONTROLLER") return;
      this.#options.logger.warn("controller.background_failed", `${what}: ${messageOf(err)}`, {
        code: err instanceof TributaryError ? err.code : undefined,
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Applying the committed log

  #applyCommitted(entries: CommittedEntry[]): void {
    for (const entry of entries) {
      const bytes = entry.data === null ? [] : decodeEntry(entry.data);
      const records = bytes.map(decodeMetadataRecord);
      this.committed.applyCommitted({ records, lastOffset: entry.index, epoch: entry.term });
      for (const r of records) {
        if (r.type === "RegisterBrokerRecord") {
          this.#registrations.set(r.brokerId, {
            incarnationId: r.incarnationId,
            offset: entry.index,
          });
        } else if (r.type === "UnregisterBrokerRecord") {
          this.#registrations.delete(r.brokerId);
        }
      }
      this.#tail.append({ lastOffset: entry.index, epoch: entry.term, records: bytes });
      if (this.#leaderTerm === entry.term && this.#active === null && !this.#closed) {
        this.#activate(entry.term);
      }
    }
    this.#reportClusterId();
  }

  #installSnapshot(index: number, term: number, data: Uint8Array): void {
    const image = new MetadataImage();
    for (const bytes of decodeEntry(data)) image.apply(decodeMetadataRecord(bytes));
    this.committed.applySnapshot({ image, offset: index, epoch: term });
    this.#registrations.clear();
    for (const b of image.brokers()) {
      // The registration's own offset is folded away: the snapshot's is the safe bound.
      this.#registrations.set(b.brokerId, { incarnationId: b.incarnationId, offset: index });
    }
    this.#tail.resetTo(index);
    this.#reportClusterId();
  }

  #snapshotAt(index: number): Uint8Array {
    assert(
      this.committed.committedOffset === index,
      `snapshot asked at ${index}, image is at ${this.committed.committedOffset}`,
    );
    return encodeEntry(imageRecords(this.committed.image));
  }

  #reportClusterId(): void {
    const id = this.committed.image.clusterId;
    if (id === null || this.#clusterIdReported) return;
    this.#clusterIdReported = true;
    this.#options.onClusterId?.(id);
  }
}

export function encodeEntry(records: readonly MetadataRecord[]): Uint8Array {
  return cborEncode(records.map(encodeMetadataRecord));
}

export function decodeEntry(data: Uint8Array): Uint8Array[] {
  let value: unknown;
  try {
    value = cborDecode(data);
  } catch (err) {
    throw new TributaryError("CORRUPT_MESSAGE", `metadata entry is not CBOR: ${messageOf(err)}`);
  }
  if (!Array.isArray(value) || value.length > ENTRY_RECORDS_MAX) {
    throw new TributaryError("CORRUPT_MESSAGE", "metadata entry is not a list of records");
  }
  return value.map((v, i) => {
    if (!(v instanceof Uint8Array)) {
      throw new TributaryError("CORRUPT_MESSAGE", `metadata entry record ${i} is not bytes`);
    }
    return v;
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
