// The group operations a consumer needs (heartbeat, commit, fetch committed offsets), sent to
// the broker coordinating the group. FindCoordinator names that broker; the answer is cached
// until a request fails with NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE (the group's
// `__consumer_offsets` partition moved or is loading), then asked again on the next request.
//
// GroupClient is an interface so that tests can drive a consumer's membership against an
// in-process coordinator, and wrap the wire one to simulate a consumer that stops heartbeating.

import type {
  ConsumerGroupHeartbeatRequestBody,
  ConsumerGroupHeartbeatResponseBody,
} from "../protocol/cbor/ops/consumer-group-heartbeat.ts";
import type { OffsetCommitRequestBody } from "../protocol/cbor/ops/offset-commit.ts";
import type {
  OffsetFetchEntry,
  OffsetFetchRequestBody,
} from "../protocol/cbor/ops/offset-fetch.ts";
import type { OpName } from "../protocol/cbor/op-codes.ts";
import type { RequestBody, ResponseBody } from "../protocol/cbor/ops/index.ts";
import { TributaryError } from "../model/errors.ts";
import type { ClusterClient } from "./cluster.ts";

export interface GroupClient {
  heartbeat(body: ConsumerGroupHeartbeatRequestBody): Promise<ConsumerGroupHeartbeatResponseBody>;
  /** Resolves once every offset is durable on the coordinator (all or nothing). */
  commit(body: OffsetCommitRequestBody): Promise<void>;
  fetchOffsets(body: OffsetFetchRequestBody): Promise<OffsetFetchEntry[]>;
}

/** Errors after which the coordinator should be looked up again. */
const COORDINATOR_MOVED = new Set(["NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE"]);

export class WireGroupClient implements GroupClient {
  readonly #cluster: ClusterClient;
  readonly #groupId: string;
  #coordinator: Promise<number> | null = null;

  constructor(cluster: ClusterClient, groupId: string) {
    this.#cluster = cluster;
    this.#groupId = groupId;
  }

  heartbeat(body: ConsumerGroupHeartbeatRequestBody): Promise<ConsumerGroupHeartbeatResponseBody> {
    return this.#request("ConsumerGroupHeartbeat", body);
  }

  async commit(body: OffsetCommitRequestBody): Promise<void> {
    await this.#request("OffsetCommit", body);
  }

  async fetchOffsets(body: OffsetFetchRequestBody): Promise<OffsetFetchEntry[]> {
    return (await this.#request("OffsetFetch", body)).offsets;
  }

  async #request<K extends OpName>(op: K, body: RequestBody<K>): Promise<ResponseBody<K>> {
    const nodeId = await this.#coordinatorNode();
    try {
      return await this.#cluster.request(op, body, nodeId);
    } catch (err) {
      if (err instanceof TributaryError && (COORDINATOR_MOVED.has(err.code) || err.retriable)) {
        this.#coordinator = null;
      }
      throw err;
    }
  }

  #coordinatorNode(): Promise<number> {
    if (this.#coordinator === null) {
      const lookup = this.#cluster.request("FindCoordinator", { groupId: this.#groupId })
        .then((r) => {
          this.#cluster.rememberBroker(r.coordinator);
          return r.coordinator.nodeId;
        });
      // A failed lookup is not cached: the caller sees the error, the next request asks again.
      lookup.catch(() => {
        if (this.#coordinator === lookup) this.#coordinator = null;
      });
      this.#coordinator = lookup;
    }
    return this.#coordinator;
  }
}
