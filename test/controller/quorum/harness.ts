// A QuorumController over a real committed image, as a driver would run it: each decision's
// records go through the record codec and are committed as one batch (CommittedImage), which must
// never refuse one. Registration offsets are tracked from the commits, as a driver tracks them.
import { expect } from "vitest";
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import {
  QuorumController,
  type QuorumControllerOptions,
} from "../../../src/controller/quorum/controller.ts";
import type { Decision } from "../../../src/controller/quorum/image-view.ts";
import { CommittedImage } from "../../../src/metadata/committed-image.ts";
import type { MetadataImage } from "../../../src/metadata/image.ts";
import { decodeMetadataRecord, encodeMetadataRecord } from "../../../src/metadata/records.ts";
import type { BrokerRegistrationRequest } from "../../../src/model/cluster.ts";
import { TributaryError } from "../../../src/model/errors.ts";

export const CLUSTER_ID = "q1Sh-9_ITQe5mXqFUbDjXg";
export const SESSION_MS = 1500;

/** Rejects a config named "bad" (as topic-config.ts would an unknown one) and trims values. */
export function validateConfigs(configs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (name === "bad") throw new TributaryError("INVALID_CONFIG", `unknown config ${name}`);
    out[name] = value.trim();
  }
  return out;
}

export class Cluster {
  readonly committed = new CommittedImage();
  readonly random: SeededRandom;
  controller!: QuorumController;
  /** brokerId/incarnation -> offset of the commit that registered it. */
  readonly registeredAt = new Map<string, number>();
  #offset = 0;

  constructor(seed = 1, options: Partial<QuorumControllerOptions> = {}, nowMs = 0) {
    this.random = new SeededRandom(seed);
    this.elect(nowMs, options);
    this.commit(this.controller.bootstrap(CLUSTER_ID));
  }

  /** A new active controller from the committed image (a failover). */
  elect(nowMs: number, options: Partial<QuorumControllerOptions> = {}): void {
    this.controller = new QuorumController({
      image: this.committed.image,
      nowMs,
      random: this.random,
      validateConfigs,
      sessionTimeoutMs: SESSION_MS,
      ...options,
    });
  }

  get image(): MetadataImage {
    return this.committed.image;
  }

  get offset(): number {
    return this.#offset;
  }

  /** Commits a decision's records as one entry and returns its reply. */
  commit<R>(decision: Decision<R>): R {
    if (decision.records.length === 0) return decision.reply;
    const records = decision.records.map((r) => decodeMetadataRecord(encodeMetadataRecord(r)));
    const delta = this.committed.applyCommitted({
      records,
      lastOffset: ++this.#offset,
      epoch: 1,
    });
    expect(delta.refused).toBeNull();
    for (const r of records) {
      if (r.type === "RegisterBrokerRecord") {
        this.registeredAt.set(`${r.brokerId}/${r.incarnationId}`, this.#offset);
      }
    }
    return decision.reply;
  }

  register(
    brokerId: number,
    incarnationId = `inc-${brokerId}`,
    nowMs = 0,
    rack: string | null = null,
  ) {
    const request: BrokerRegistrationRequest = {
      clusterId: CLUSTER_ID,
      brokerId,
      incarnationId,
      endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9000 + brokerId }],
      rack,
    };
    return this.commit(this.controller.registerBroker(request, nowMs));
  }

  heartbeat(
    brokerId: number,
    nowMs: number,
    options: { incarnationId?: string; wantShutdown?: boolean; appliedOffset?: number } = {},
  ) {
    const incarnationId = options.incarnationId ?? this.image.broker(brokerId)?.incarnationId ??
      `inc-${brokerId}`;
    const registeredAtOffset = this.registeredAt.get(`${brokerId}/${incarnationId}`) ?? null;
    return this.commit(this.controller.brokerHeartbeat(
      {
        brokerId,
        incarnationId,
        appliedOffset: options.appliedOffset ?? this.#offset,
        wantShutdown: options.wantShutdown ?? false,
      },
      nowMs,
      { registeredAtOffset },
    ));
  }

  /** Registers and unfences brokers 1..n (without racks unless given). */
  brokers(n: number, racks: (string | null)[] = []): void {
    for (let id = 1; id <= n; id++) this.register(id, `inc-${id}`, 0, racks[id - 1] ?? null);
    for (let id = 1; id <= n; id++) this.heartbeat(id, 0);
  }

  createTopic(name: string, partitions: number, replicationFactor: number) {
    const reply = this.commit(this.controller.createTopics({
      topics: [{ name, partitions, replicationFactor }],
    }));
    expect(reply.topics[0].error).toBeNull();
    return this.image.topic(name)!;
  }

  partition(topic: string, partition = 0) {
    return this.image.topic(topic)!.partitions[partition];
  }
}
