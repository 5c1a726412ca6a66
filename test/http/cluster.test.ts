// The cluster routes (issue 11): GET /v1/cluster, POST /v1/topics/:topic/partitions and
// POST /v1/cluster/elect-leaders, on one real node over its socket, with the functions a cluster
// composition hands in, and with bad requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { TopicDescription } from "../../src/model/descriptions.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { FakeBroker } from "./fake-broker.ts";
import { call, makeApp } from "./helpers.ts";

describe("cluster routes on one real node", () => {
  let node: RunningBroker;

  async function http(method: string, path: string, body?: unknown) {
    const res = await fetch(`${node.httpUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    return { status: res.status, body: await res.json() };
  }

  beforeAll(async () => {
    node = await startBroker(createNodeRuntime(), {
      storage: "memory",
      port: 0,
      httpPort: 0,
      nodeId: 3,
    });
    await node.broker.createTopic({ name: "orders", partitions: 2 });
  });
  afterAll(async () => {
    await node?.close();
  });

  it("GET /v1/cluster: the node is the controller and the only, active broker", async () => {
    expect(await http("GET", "/v1/cluster")).toEqual({
      status: 200,
      body: {
        clusterId: node.broker.clusterId,
        controllerId: 3,
        brokers: [{
          id: 3,
          host: "127.0.0.1",
          port: node.port,
          httpPort: node.httpPort,
          rack: null,
          state: "running",
        }],
      },
    });
  });

  it("topic describe shows leader, replicas and ISR per partition", async () => {
    const res = await http("GET", "/v1/topics/orders");
    expect(res.status).toBe(200);
    expect(res.body.partitions.map((p: Record<string, unknown>) => [p.leader, p.replicas, p.isr]))
      .toEqual([[3, [3], [3]], [3, [3], [3]]]);
  });

  it("POST /v1/cluster/elect-leaders: every preferred replica leads already", async () => {
    // Every partition, __consumer_offsets' too.
    const all = await http("POST", "/v1/cluster/elect-leaders", {});
    expect(all.status).toBe(200);
    const results = all.body.results as { topic: string; outcome: string }[];
    expect(results.filter((r) => r.topic === "orders")).toEqual([
      { topic: "orders", partition: 0, leader: 3, outcome: "already-preferred" },
      { topic: "orders", partition: 1, leader: 3, outcome: "already-preferred" },
    ]);
    expect(results.some((r) => r.topic === "__consumer_offsets")).toBe(true);
    expect(results.every((r) => r.outcome === "already-preferred")).toBe(true);
    const one = await http("POST", "/v1/cluster/elect-leaders", {
      partitions: [{ topic: "orders", partition: 1 }],
    });
    expect(one.body.results).toEqual([
      { topic: "orders", partition: 1, leader: 3, outcome: "already-preferred" },
    ]);
    const unknown = await http("POST", "/v1/cluster/elect-leaders", {
      partitions: [{ topic: "orders", partition: 5 }],
    });
    expect(unknown).toEqual({
      status: 404,
      body: {
        error: {
          code: "UNKNOWN_TOPIC_OR_PARTITION",
          message: 'topic "orders" has no partition 5',
        },
      },
    });
  });

  it("POST /v1/topics/:topic/partitions: checked, then grown by the node itself", async () => {
    const shrink = await http("POST", "/v1/topics/orders/partitions", { count: 2 });
    expect(shrink.body.error.code).toBe("INVALID_PARTITIONS");
    expect(shrink.body.error.message).toMatch(/topic "orders" has 2 partitions; .* got 2/);
    const missing = await http("POST", "/v1/topics/nope/partitions", { count: 4 });
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } },
    });
    const grow = await http("POST", "/v1/topics/orders/partitions", { count: 4 });
    expect(grow.status).toBe(200);
    expect(grow.body.partitions).toHaveLength(4);
    expect((await http("GET", "/v1/topics/orders")).body.partitions).toHaveLength(4);
    // The new partitions take records at once.
    const put = await http("POST", "/v1/topics/orders/partitions/3/records", {
      records: [{ value: "on a new partition" }],
    });
    expect(put.status).toBe(200);
  });
});

describe("cluster routes with the composition's functions", () => {
  it("answer what the cluster says: fenced brokers, racks, grown topics, moved leaders", async () => {
    const broker = new FakeBroker();
    await broker.createTopic({ name: "t", partitions: 1 });
    const grown: [string, number][] = [];
    const { app } = makeApp(broker, {
      cluster: {
        describeCluster: () =>
          Promise.resolve({
            clusterId: "c1",
            controllerId: 2,
            brokers: [
              { id: 1, host: "h1", port: 9093, httpPort: 8080, rack: "a", state: "running" },
              { id: 2, host: "h2", port: 9093, httpPort: null, rack: "b", state: "fenced" },
            ],
          }),
        createPartitions: (topic, count) => {
          grown.push([topic, count]);
          const described: TopicDescription = broker.describeTopic(topic);
          return Promise.resolve({
            ...described,
            partitions: Array.from({ length: count }, (_, i) => ({
              ...described.partitions[0],
              partition: i,
            })),
          });
        },
        electLeaders: (targets) =>
          Promise.resolve(
            (targets ?? []).map((t) => ({
              topic: t.topic,
              partition: t.partition ?? 0,
              leader: 2,
              outcome: "elected" as const,
            })),
          ),
      },
    });
    const cluster = await call(app, "GET", "/v1/cluster");
    expect(cluster.body.brokers.map((b: { state: string; rack: string }) => [b.rack, b.state]))
      .toEqual([["a", "running"], ["b", "fenced"]]);
    const grow = await call(app, "POST", "/v1/topics/t/partitions", { count: 3 });
    expect(grow.status).toBe(200);
    expect(grow.body.partitions).toHaveLength(3);
    expect(grown).toEqual([["t", 3]]);
    const elect = await call(app, "POST", "/v1/cluster/elect-leaders", {
      partitions: [{ topic: "t" }],
    });
    expect(elect.body).toEqual({
      results: [{ topic: "t", partition: 0, leader: 2, outcome: "elected" }],
    });
  });

  it("map the composition's typed errors (e.g. NOT_CONTROLLER) like every route", async () => {
    const { app } = makeApp(new FakeBroker(), {
      cluster: {
        electLeaders: () =>
          Promise.reject(new TributaryError("NOT_CONTROLLER", "no quorum leader")),
      },
    });
    expect(await call(app, "POST", "/v1/cluster/elect-leaders", {})).toMatchObject({
      status: 503,
      body: { error: { code: "NOT_CONTROLLER", message: "no quorum leader" } },
    });
  });
});

describe("cluster routes refuse bad requests", () => {
  it("with INVALID_REQUEST naming the field", async () => {
    const broker = new FakeBroker();
    await broker.createTopic({ name: "t", partitions: 1 });
    const { app } = makeApp(broker);
    const cases: [string, unknown, RegExp][] = [
      ["/v1/topics/t/partitions", {}, /count must be an integer/],
      ["/v1/topics/t/partitions", { count: "3" }, /count must be an integer/],
      ["/v1/topics/t/partitions", { count: 0 }, /count must be between 1 and 100000/],
      ["/v1/topics/t/partitions", { count: 2, partitions: 2 }, /unknown field "partitions"/],
      ["/v1/topics/t/partitions", [3], /body must be an object/],
      ["/v1/cluster/elect-leaders", { partitions: [] }, /partitions must be a list of 1 to/],
      ["/v1/cluster/elect-leaders", { partitions: "t" }, /partitions must be a list/],
      ["/v1/cluster/elect-leaders", { partitions: [{ partition: 0 }] }, /topic must be a string/],
      ["/v1/cluster/elect-leaders", { partitions: [{ topic: "t", partition: -1 }] }, /between 0/],
      ["/v1/cluster/elect-leaders", { partitions: ["t"] }, /partitions\[0\] must be/],
      ["/v1/cluster/elect-leaders", { topic: "t" }, /unknown field "topic"/],
    ];
    for (const [path, body, message] of cases) {
      const res = await call(app, "POST", path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("INVALID_REQUEST");
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await call(app, "DELETE", "/v1/cluster")).status).toBe(405);
  });
});
