// The server side of the cluster operations (src/protocol/cbor/server/handlers/cluster.ts),
// over the simulated network: each operation reaches the ControllerService / ReplicaService of
// the handler context and its answer comes back; without the service the typed error comes back
// instead; the controller listener serves only its table; one-way RaftMessages reach the
// controller and malformed ones are dropped and counted while the connection keeps serving.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { MetricsRegistry } from "../../../src/metrics/registry.ts";
import type { ControllerService } from "../../../src/model/cluster.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import {
  decodeResponse,
  encodeRequestFrame,
  type ResponseEnvelope,
} from "../../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../../src/protocol/cbor/frame.ts";
import { CONTROLLER_LISTENER_OPS, Op, type OpName } from "../../../src/protocol/cbor/op-codes.ts";
import {
  type ProtocolServerOptions,
  serveProtocol,
} from "../../../src/protocol/cbor/server/server.ts";
import { responseBytesEstimate } from "../../../src/protocol/cbor/server/connection.ts";
import { CLUSTER_REQUESTS, CLUSTER_RESPONSES, type ClusterOp } from "./support/cluster-samples.ts";
import { FakeBroker } from "./support/fake-broker.ts";
import { FakeController, FakeReplication } from "./support/fake-cluster-services.ts";
import { captureLogs } from "../../support/log-capture.ts";

const bounds = { maxSteps: 500_000, maxVirtualMs: 120_000 };
const PORT = 9093;

/** The controller method each controller operation calls. */
const CONTROLLER_METHOD = {
  BrokerRegistration: "registerBroker",
  BrokerHeartbeat: "brokerHeartbeat",
  MetadataFetch: "fetchMetadata",
  AlterPartition: "alterPartition",
  ControllerCreateTopics: "createTopics",
  ControllerDeleteTopics: "deleteTopics",
  ControllerCreatePartitions: "createPartitions",
  AllocateProducerIds: "allocateProducerIds",
  ElectLeaders: "electLeaders",
  ControllerReassignPartitions: "reassignPartitions",
  ControllerAlterConfigs: "alterTopicConfigs",
} as const satisfies Partial<Record<ClusterOp, keyof ControllerService>>;
type ControllerOp = keyof typeof CONTROLLER_METHOD;
const CONTROLLER_OPS = Object.keys(CONTROLLER_METHOD) as ControllerOp[];

/** The services answer per-item errors as the model has them: {code, message}, no retriable. */
function modelErrors<T>(value: T): T {
  if (Array.isArray(value)) return value.map(modelErrors) as T;
  if (value instanceof Uint8Array || typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === "error" && v !== null
      ? { code: (v as { code: string }).code, message: (v as { message: string }).message }
      : modelErrors(v);
  }
  return out as T;
}

function fakeController(): FakeController {
  const controller = new FakeController();
  for (const op of CONTROLLER_OPS) {
    (controller.replies as Record<string, unknown>)[CONTROLLER_METHOD[op]] = modelErrors(
      CLUSTER_RESPONSES[op],
    );
  }
  return controller;
}

function fakeReplication(): FakeReplication {
  const replication = new FakeReplication();
  replication.replies.replicaFetch = modelErrors(CLUSTER_RESPONSES.ReplicaFetch);
  replication.replies.epochEnd = modelErrors(CLUSTER_RESPONSES.OffsetForLeaderEpoch);
  return replication;
}

interface Sim {
  world: SimWorld;
  peer: Runtime;
  metrics: MetricsRegistry;
  client(): Promise<ProtocolClient>;
  raw(): Promise<SimRaw>;
}

/** A server on node "ctrl-1", clients on node "peer"; fn runs inside the simulation. */
async function inSim<T>(
  options: Partial<ProtocolServerOptions>,
  fn: (sim: Sim) => Promise<T>,
  seed = 1,
): Promise<T> {
  const world = new SimWorld({ seed });
  const rt = world.runtime("ctrl-1");
  const peer = world.runtime("peer");
  const metrics = new MetricsRegistry();
  return await world.run(async () => {
    const server = await serveProtocol(rt, new FakeBroker({ nodeId: 1 }), {
      host: "ctrl-1",
      port: PORT,
      version: "test",
      metrics,
      closeWaitMsMax: 1_000,
      ...options,
    });
    const clients: ProtocolClient[] = [];
    const raws: SimRaw[] = [];
    try {
      return await fn({
        world,
        peer,
        metrics,
        async client() {
          const c = await ProtocolClient.connect(peer, {
            host: "ctrl-1",
            port: PORT,
            requestTimeoutMs: 5_000,
          });
          clients.push(c);
          return c;
        },
        async raw() {
          const r = new SimRaw(await peer.net.connect({ host: "ctrl-1", port: PORT }));
          raws.push(r);
          return r;
        },
      });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(raws.map((r) => r.close()));
      await server.close();
    }
  }, bounds);
}

/** Raw frames over a simulated connection; next() is bounded by the simulation's bounds. */
class SimRaw {
  readonly #conn: Awaited<ReturnType<Runtime["net"]["connect"]>>;
  readonly #decoder = new FrameDecoder();
  readonly #queued: ResponseEnvelope[] = [];

  constructor(conn: Awaited<ReturnType<Runtime["net"]["connect"]>>) {
    this.#conn = conn;
  }

  send(op: number, correlationId: number, body: unknown): Promise<void> {
    return this.#conn.write(encodeRequestFrame(op, 1, correlationId, body));
  }

  async next(): Promise<ResponseEnvelope | null> {
    for (let i = 0; i < 10_000 && this.#queued.length === 0; i++) {
      const chunk = await this.#conn.read();
      if (chunk === null) return null;
      for (const payload of this.#decoder.push(chunk)) this.#queued.push(decodeResponse(payload));
    }
    return this.#queued.shift() ?? null;
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

function droppedCount(metrics: MetricsRegistry): number {
  const line = /^tributary_one_way_dropped_total\{op="RaftMessage"\} (\d+)$/m.exec(
    metrics.render(),
  );
  return line === null ? 0 : Number(line[1]);
}

describe("cluster operations on the server", () => {
  it("every controller operation reaches the ControllerService and its answer comes back", async () => {
    const controller = fakeController();
    await inSim({ controller }, async (sim) => {
      const client = await sim.client();
      for (const op of CONTROLLER_OPS) {
        const reply = await client.request(op, CLUSTER_REQUESTS[op] as never);
        // Per-item errors gained their retriability on the way (the services leave it out).
        expect(reply, op).toEqual(CLUSTER_RESPONSES[op]);
        const call = controller.calls.at(-1);
        expect(call?.method, op).toBe(CONTROLLER_METHOD[op]);
        expect(call?.request, op).toEqual(CLUSTER_REQUESTS[op]);
      }
      expect(controller.calls).toHaveLength(CONTROLLER_OPS.length);
    });
  });

  it("ReplicaFetch and OffsetForLeaderEpoch reach the ReplicaService, record bytes untouched", async () => {
    const replication = fakeReplication();
    await inSim({ replication }, async (sim) => {
      const client = await sim.client();
      const fetched = await client.request("ReplicaFetch", CLUSTER_REQUESTS.ReplicaFetch);
      expect(fetched).toEqual(CLUSTER_RESPONSES.ReplicaFetch);
      expect(replication.calls[0]).toEqual({
        method: "replicaFetch",
        request: CLUSTER_REQUESTS.ReplicaFetch,
      });
      const ends = await client.request(
        "OffsetForLeaderEpoch",
        CLUSTER_REQUESTS.OffsetForLeaderEpoch,
      );
      expect(ends).toEqual(CLUSTER_RESPONSES.OffsetForLeaderEpoch);
      expect(replication.calls[1]).toEqual({
        method: "epochEnd",
        request: CLUSTER_REQUESTS.OffsetForLeaderEpoch,
      });
    });
  });

  it("without the services: NOT_CONTROLLER and NOT_LEADER_OR_FOLLOWER, and the connection serves on", async () => {
    await inSim({}, async (sim) => {
      const client = await sim.client();
      for (const op of CONTROLLER_OPS) {
        await expect(client.request(op, CLUSTER_REQUESTS[op] as never), op).rejects.toMatchObject({
          code: "NOT_CONTROLLER",
          retriable: true,
        });
      }
      for (const op of ["ReplicaFetch", "OffsetForLeaderEpoch"] as const) {
        await expect(client.request(op, CLUSTER_REQUESTS[op] as never), op).rejects.toMatchObject({
          code: "NOT_LEADER_OR_FOLLOWER",
          retriable: true,
        });
      }
      const hello = await client.request("ApiVersions", { clientId: "c", clientVersion: "1" });
      expect(hello.nodeId).toBe(1);
    });
  });

  it("a service's typed refusal is the request's error", async () => {
    const controller = fakeController();
    controller.failures.brokerHeartbeat = new TributaryError(
      "STALE_BROKER_EPOCH",
      "old incarnation",
    );
    await inSim({ controller }, async (sim) => {
      const client = await sim.client();
      await expect(client.request("BrokerHeartbeat", CLUSTER_REQUESTS.BrokerHeartbeat)).rejects
        .toMatchObject({ code: "STALE_BROKER_EPOCH", message: "old incarnation" });
      expect(await client.request("AllocateProducerIds", CLUSTER_REQUESTS.AllocateProducerIds))
        .toEqual(CLUSTER_RESPONSES.AllocateProducerIds);
    });
  });

  it("refuses each malformed cluster request with INVALID_REQUEST and keeps serving the connection", async () => {
    const controller = fakeController();
    const replication = fakeReplication();
    const bad: [ClusterOp, unknown, string][] = [
      [
        "ReplicaFetch",
        { ...CLUSTER_REQUESTS.ReplicaFetch, partitions: [{ topic: "t" }] },
        "body.partitions[0].partition",
      ],
      ["OffsetForLeaderEpoch", { replicaId: "2", partitions: [] }, "body.replicaId"],
      ["BrokerRegistration", { ...CLUSTER_REQUESTS.BrokerRegistration, rack: 5 }, "body.rack"],
      [
        "BrokerHeartbeat",
        { ...CLUSTER_REQUESTS.BrokerHeartbeat, wantShutdown: 1 },
        "body.wantShutdown",
      ],
      ["MetadataFetch", { ...CLUSTER_REQUESTS.MetadataFetch, fromOffset: 1.5 }, "body.fromOffset"],
      [
        "AlterPartition",
        { ...CLUSTER_REQUESTS.AlterPartition, incarnationId: null },
        "body.incarnationId",
      ],
      [
        "ControllerCreateTopics",
        { topics: [{ name: "t", configs: { a: 1 } }] },
        "body.topics[0].configs.a",
      ],
      ["ControllerDeleteTopics", { names: "orders" }, "body.names"],
      ["ControllerCreatePartitions", { topic: "orders", count: -1 }, "body.count"],
      ["AllocateProducerIds", { brokerId: 2 }, "body.count"],
      [
        "ElectLeaders",
        { partitions: [{ topic: "orders", partition: 2 ** 31 }] },
        "body.partitions[0].partition",
      ],
    ];
    await inSim({ controller, replication }, async (sim) => {
      const client = await sim.client();
      for (const [op, body, path] of bad) {
        await expect(client.request(op, body as never), op).rejects.toMatchObject({
          code: "INVALID_REQUEST",
          message: expect.stringContaining(`${op} v1: ${path} must be`),
        });
        // The same connection answers the well-formed request right after.
        await expect(client.request(op, CLUSTER_REQUESTS[op] as never), op).resolves.toEqual(
          CLUSTER_RESPONSES[op],
        );
      }
      // Nothing malformed reached a service.
      expect(controller.calls.length + replication.calls.length).toBe(bad.length);
    });
  });
});

describe("the controller listener", () => {
  it("serves only ApiVersions and the controller operations, and lists only those", async () => {
    const controller = fakeController();
    const replication = fakeReplication();
    await inSim({ controller, replication, ops: "controller" }, async (sim) => {
      const client = await sim.client();
      expect(client.server.apis.map((a) => a.name)).toEqual([...CONTROLLER_LISTENER_OPS]);
      expect(await client.request("BrokerHeartbeat", CLUSTER_REQUESTS.BrokerHeartbeat)).toEqual(
        CLUSTER_RESPONSES.BrokerHeartbeat,
      );
      // The client knows better than to ask; a peer that asks anyway is refused by the server.
      await expect(client.request("Metadata", { topics: null })).rejects.toMatchObject({
        code: "UNSUPPORTED_VERSION",
      });
      const raw = await sim.raw();
      const others: OpName[] = ["Metadata", "Produce", "Fetch", "ReplicaFetch", "OffsetCommit"];
      for (const [i, op] of others.entries()) {
        await raw.send(Op[op], 100 + i, {});
        const answer = await raw.next();
        expect(answer?.correlationId).toBe(100 + i);
        expect(answer?.error?.code, op).toBe("UNSUPPORTED_VERSION");
        expect(answer?.error?.message).toContain(
          `${op} (${Op[op]}) is not served on this listener`,
        );
      }
      await raw.send(Op.ElectLeaders, 200, CLUSTER_REQUESTS.ElectLeaders);
      expect(await raw.next()).toEqual({
        correlationId: 200,
        error: null,
        body: CLUSTER_RESPONSES.ElectLeaders,
      });
      expect(replication.calls).toEqual([]);
    });
  });

  it("keeps the connection limits of the broker listener", async () => {
    await inSim(
      { controller: fakeController(), ops: "controller", connectionsMax: 1 },
      async (sim) => {
        await sim.client();
        const refused = await sim.raw();
        const answer = await refused.next();
        expect(answer?.correlationId).toBe(0);
        expect(answer?.error?.code).toBe("NETWORK_EXCEPTION");
        expect(await refused.next()).toBeNull();
      },
    );
  });

  it("the broker listener's ApiVersions lists every operation, the cluster ones included", async () => {
    await inSim({}, async (sim) => {
      const client = await sim.client();
      expect(client.server.apis.map((a) => a.op)).toEqual(Object.values(Op));
    });
  });
});

describe("RaftMessage, one-way", () => {
  it("reaches the controller unanswered, in order", async () => {
    const controller = fakeController();
    await inSim({ controller, ops: "controller" }, async (sim) => {
      const client = await sim.client();
      const second = { ...CLUSTER_REQUESTS.RaftMessage, message: new Uint8Array([9, 9]) };
      await client.send("RaftMessage", CLUSTER_REQUESTS.RaftMessage);
      await client.send("RaftMessage", second);
      await controller.raftCalls(2);
      expect(controller.raft).toEqual([CLUSTER_REQUESTS.RaftMessage, second]);
      expect(client.inFlight).toBe(0);
      expect(droppedCount(sim.metrics)).toBe(0);
    });
  });

  it("a malformed one is dropped and counted, never answered, and the connection serves on", async () => {
    const controller = fakeController();
    const { logger, lines } = captureLogs();
    await inSim({ controller, ops: "controller", logger }, async (sim) => {
      const raw = await sim.raw();
      await raw.send(Op.RaftMessage, 1, { ...CLUSTER_REQUESTS.RaftMessage, from: -1 });
      await raw.send(Op.RaftMessage, 2, "not a map");
      await raw.send(Op.RaftMessage, 3, CLUSTER_REQUESTS.RaftMessage);
      await raw.send(Op.BrokerHeartbeat, 4, CLUSTER_REQUESTS.BrokerHeartbeat);
      // The first answer on the connection is the heartbeat's: nothing came back for 1-3.
      expect(await raw.next()).toEqual({
        correlationId: 4,
        error: null,
        body: CLUSTER_RESPONSES.BrokerHeartbeat,
      });
      expect(controller.raft).toEqual([CLUSTER_REQUESTS.RaftMessage]);
      expect(droppedCount(sim.metrics)).toBe(2);
    });
    const dropped = lines.filter((l) => l.event === "request.one_way_dropped");
    expect(dropped.map((l) => [l.level, l.op, l.code])).toEqual([
      ["warn", "RaftMessage", "INVALID_REQUEST"],
      ["warn", "RaftMessage", "INVALID_REQUEST"],
    ]);
    expect(dropped[0].msg).toContain("RaftMessage v1: body.from must be");
  });

  it("one the controller throws on, or that finds no controller, is dropped and counted", async () => {
    const controller = fakeController();
    controller.raftFailure = new Error("boom");
    const unexpected: unknown[] = [];
    await inSim({ controller, onUnexpectedError: (err) => unexpected.push(err) }, async (sim) => {
      const raw = await sim.raw();
      await raw.send(Op.RaftMessage, 1, CLUSTER_REQUESTS.RaftMessage);
      await raw.send(Op.ApiVersions, 2, { clientId: "c", clientVersion: "1" });
      expect((await raw.next())?.correlationId).toBe(2);
      expect(droppedCount(sim.metrics)).toBe(1);
    });
    // A plain Error out of the controller is a bug worth reporting, not a crash.
    expect(unexpected).toHaveLength(1);
    await inSim({}, async (sim) => {
      const client = await sim.client();
      await client.send("RaftMessage", CLUSTER_REQUESTS.RaftMessage);
      expect((await client.request("ApiVersions", { clientId: "c", clientVersion: "1" })).nodeId)
        .toBe(1);
      expect(droppedCount(sim.metrics)).toBe(1);
    });
  });

  it("ProtocolClient.send refuses operations that expect an answer", async () => {
    await inSim({ controller: fakeController() }, async (sim) => {
      const client = await sim.client();
      await expect(client.send("BrokerHeartbeat", CLUSTER_REQUESTS.BrokerHeartbeat)).rejects
        .toMatchObject({ code: "INVALID_REQUEST" });
    });
  });
});

describe("response budgets of the cluster fetches", () => {
  it("ReplicaFetch and MetadataFetch reserve their maxBytes, capped at the frame limit", () => {
    const envelope = (op: number, maxBytes: unknown) => ({
      op,
      version: 1,
      correlationId: 1,
      body: { maxBytes, partitions: [] },
      invalid: null,
    });
    expect(responseBytesEstimate(envelope(Op.ReplicaFetch, 1_000_000), 64 << 20)).toBe(1_000_128);
    expect(responseBytesEstimate(envelope(Op.MetadataFetch, 1_000_000), 64 << 20)).toBe(1_000_128);
    expect(responseBytesEstimate(envelope(Op.ReplicaFetch, 2 ** 31 - 1), 1 << 20)).toBe(1 << 20);
    // Small or malformed: the default estimate, refused later by validation.
    expect(responseBytesEstimate(envelope(Op.ReplicaFetch, 10), 1 << 20)).toBe(4096);
    expect(responseBytesEstimate(envelope(Op.MetadataFetch, "x"), 1 << 20)).toBe(1 << 20);
  });

  it("ReplicaFetch's maxBytes is trimmed to one frame, and an oversized answer is refused", async () => {
    const replication = fakeReplication();
    const frameBytesMax = 200_000;
    await inSim({ replication, frameBytesMax }, async (sim) => {
      const client = await sim.client();
      await client.request("ReplicaFetch", {
        ...CLUSTER_REQUESTS.ReplicaFetch,
        minBytes: 2 ** 31 - 1,
      });
      const asked = replication.calls[0].request as typeof CLUSTER_REQUESTS.ReplicaFetch;
      expect(asked.maxBytes).toBeLessThan(frameBytesMax);
      expect(asked.minBytes).toBe(asked.maxBytes);
      replication.replies.replicaFetch = {
        partitions: [{
          ...CLUSTER_RESPONSES.ReplicaFetch.partitions[0],
          records: new Uint8Array(frameBytesMax),
        }],
      };
      await expect(client.request("ReplicaFetch", CLUSTER_REQUESTS.ReplicaFetch)).rejects
        .toMatchObject({ code: "UNKNOWN_SERVER_ERROR" });
      // Still serving.
      replication.replies.replicaFetch = modelErrors(CLUSTER_RESPONSES.ReplicaFetch);
      expect(await client.request("ReplicaFetch", CLUSTER_REQUESTS.ReplicaFetch)).toEqual(
        CLUSTER_RESPONSES.ReplicaFetch,
      );
    });
  });
});

describe("Metadata in a cluster", () => {
  it("brokers carry their rack (null without one) and the response names the controller", async () => {
    class RackedBroker extends FakeBroker {
      override metadata(topics?: string[]) {
        const base = super.metadata(topics);
        return {
          ...base,
          controllerId: 3,
          brokers: [
            { nodeId: 1, host: "ctrl-1", port: PORT, rack: "rack-a" },
            { nodeId: 2, host: "b-2", port: PORT },
          ],
        };
      }
    }
    const world = new SimWorld({ seed: 3 });
    const rt = world.runtime("ctrl-1");
    const peer = world.runtime("peer");
    await world.run(async () => {
      const server = await serveProtocol(rt, new RackedBroker(), {
        host: "ctrl-1",
        port: PORT,
        version: "test",
      });
      const client = await ProtocolClient.connect(peer, { host: "ctrl-1", port: PORT });
      try {
        const meta = await client.request("Metadata", { topics: null });
        expect(meta.controllerId).toBe(3);
        expect(meta.brokers).toEqual([
          { nodeId: 1, host: "ctrl-1", port: PORT, rack: "rack-a" },
          { nodeId: 2, host: "b-2", port: PORT, rack: null },
        ]);
      } finally {
        await client.close();
        await server.close();
      }
    }, bounds);
  });
});
