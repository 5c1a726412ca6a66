// The reassignment routes: /v1/topics/:topic/partitions/:partition/reassignment (POST starts,
// GET shows, DELETE cancels), on one node (nothing in progress; no controller to move replicas)
// and with the functions a cluster composition hands in, and with bad requests.
import { describe, expect, it } from "vitest";
import type { ReassignmentBody } from "../../src/http/cluster-api.ts";
import { FakeBroker } from "./fake-broker.ts";
import { call, makeApp } from "./helpers.ts";

const PATH = "/v1/topics/t/partitions/0/reassignment";

describe("reassignment routes", () => {
  it("one node: GET shows none in progress, POST and DELETE are UNSUPPORTED_VERSION", async () => {
    const broker = new FakeBroker();
    await broker.createTopic({ name: "t", partitions: 1 });
    const { app } = makeApp(broker);
    const got = await call(app, "GET", PATH);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      topic: "t",
      partition: 0,
      targetReplicas: null,
      addingReplicas: [],
      removingReplicas: [],
    });
    const post = await call(app, "POST", PATH, { replicas: [1] });
    expect([post.status, post.body.error?.code]).toEqual([400, "UNSUPPORTED_VERSION"]);
    const missing = await call(app, "GET", "/v1/topics/t/partitions/5/reassignment");
    expect([missing.status, missing.body.error?.code]).toEqual([404, "UNKNOWN_TOPIC_OR_PARTITION"]);
  });

  it("in a cluster: POST and DELETE reach the controller function, GET the image", async () => {
    const broker = new FakeBroker();
    await broker.createTopic({ name: "t", partitions: 1 });
    const asked: Array<[string, number, readonly number[] | null]> = [];
    const state = (target: number[] | null): ReassignmentBody => ({
      topic: "t",
      partition: 0,
      replicas: target === null ? [1] : [1, ...target],
      isr: [1],
      leader: 1,
      targetReplicas: target,
      addingReplicas: target ?? [],
      removingReplicas: target === null ? [] : [1],
    });
    const { app } = makeApp(broker, {
      cluster: {
        reassignPartition: (topic, partition, replicas) => {
          asked.push([topic, partition, replicas]);
          return Promise.resolve(state(replicas === null ? null : [...replicas]));
        },
        describeReassignment: () => state([2, 3]),
      },
    });
    const post = await call(app, "POST", PATH, { replicas: [2, 3] });
    expect(post.status).toBe(202);
    expect(post.body).toEqual(state([2, 3]));
    expect((await call(app, "GET", PATH)).body.targetReplicas).toEqual([2, 3]);
    const del = await call(app, "DELETE", PATH);
    expect([del.status, del.body.targetReplicas]).toEqual([200, null]);
    expect(asked).toEqual([["t", 0, [2, 3]], ["t", 0, null]]);
  });

  it("bad bodies are refused before anything is asked", async () => {
    const broker = new FakeBroker();
    await broker.createTopic({ name: "t", partitions: 1 });
    const { app } = makeApp(broker);
    for (
      const [body, code] of [
        [{}, "INVALID_REQUEST"],
        [{ replicas: [] }, "INVALID_REQUEST"],
        [{ replicas: [1, "2"] }, "INVALID_REQUEST"],
        [{ replicas: [1, 1] }, "INVALID_REPLICA_ASSIGNMENT"],
        [{ replicas: [1], extra: true }, "INVALID_REQUEST"],
      ] as const
    ) {
      const r = await call(app, "POST", PATH, body);
      expect([r.status, r.body.error?.code], JSON.stringify(body)).toEqual([400, code]);
    }
  });
});
