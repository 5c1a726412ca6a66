// Forwarding (docs/http.md, "Forwarding"): two brokers on real 127.0.0.1 ports, each leading
// some partitions (forward-cluster.ts); requests sent to the broker that does not lead reach the
// one that does, and its answers come back unchanged.
import { afterEach, describe, expect, it } from "vitest";
import {
  compressionOf,
  decodeRecords,
  decodeRecordsAsync,
  readBatchHeader,
} from "../../src/log/record-batch.ts";
import { FORWARDED_BY_HEADER } from "../../src/http/forward.ts";
import { partitionForKey } from "../../src/model/partitioner.ts";
import { eventually } from "../support/eventually.ts";
import { FakeBroker } from "./fake-broker.ts";
import { call, makeApp } from "./helpers.ts";
import { type ClusterNode, createTopicEverywhere, startCluster } from "./forward-cluster.ts";
import type { ClusterOptions, TestCluster } from "./forward-cluster.ts";
import { createNodeRuntime } from "../../runtime/node/mod.ts";

const nodeRt = createNodeRuntime();

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const text = new TextDecoder();

async function request(
  node: ClusterNode,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // deno-lint-ignore no-explicit-any -- bodies are checked field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(node.base + path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, body: raw === "" ? null : JSON.parse(raw), headers: res.headers };
}

/** Values stored in a node's own log for one partition. */
async function storedValues(node: ClusterNode, topic: string, partition: number) {
  const [result] = await node.broker.fetch({
    partitions: [{ topic, partition, offset: 0, maxBytes: 1 << 20 }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
  });
  const values: string[] = [];
  if (result.records.length === 0) return values;
  for (const r of decodeRecords(result.records)) values.push(text.decode(r.value!));
  return values;
}

/** Two nodes and topic t with 2 partitions: node 1 leads partition 0, node 2 partition 1. */
async function twoNodes(options: ClusterOptions = {}) {
  cluster = await startCluster(nodeRt, options);
  const [one, two] = cluster.nodes;
  await createTopicEverywhere(cluster, "t", 2);
  for (const node of cluster.nodes) node.leaders.set("t/1", 2);
  return { one, two };
}

describe("HTTP forwarding to the partition leader", () => {
  it("a produce to the non-leader lands on the leader, with the leader's answer", async () => {
    const { one, two } = await twoNodes();
    const first = await request(one, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "a" }, { value: "b" }],
    });
    expect(first).toMatchObject({
      status: 200,
      body: { offsets: [{ partition: 1, offset: 0 }, { partition: 1, offset: 1 }] },
    });
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await storedValues(two, "t", 1)).toEqual(["a", "b"]);
    expect(await storedValues(one, "t", 1)).toEqual([]);
    expect(one.forwarded.map((r) => r.headers.get(FORWARDED_BY_HEADER))).toEqual(["1"]);
    // Counted under the route's pattern on both brokers, as a request served here would be.
    const series = 'tributary_http_request_duration_seconds_count{route="' +
      '/v1/topics/:topic/partitions/:partition/records",method="POST",status="2xx"} 1';
    expect(one.metrics.render()).toContain(series);
    expect(two.metrics.render()).toContain(series);

    // The leader's errors come back as they are (here: its validation of the body).
    const bad = await request(one, "POST", "/v1/topics/t/partitions/1/records", { records: [] });
    const direct = await request(two, "POST", "/v1/topics/t/partitions/1/records", {
      records: [],
    });
    expect(bad).toMatchObject({ status: 400, body: direct.body });
  });

  it("a forwarded produce keeps ?compression=: the leader stores the batch in that codec", async () => {
    const { one, two } = await twoNodes();
    const res = await request(one, "POST", "/v1/topics/t/partitions/1/records?compression=lz4", {
      records: [{ value: "a" }, { value: "b".repeat(300) }],
    });
    expect(res.status).toBe(200);
    expect(one.forwarded).toHaveLength(1);
    const [result] = await two.broker.fetch({
      partitions: [{ topic: "t", partition: 1, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(compressionOf(readBatchHeader(result.records))).toBe(3);
    expect((await decodeRecordsAsync(result.records)).map((r) => text.decode(r.value!))).toEqual([
      "a",
      "b".repeat(300),
    ]);
  });

  it("a produce by key goes to each key's partition leader; offsets come back in order", async () => {
    const { one, two } = await twoNodes();
    // Keys chosen by the partitioner the broker uses: one for each partition.
    const keyFor = (partition: number) => {
      for (let i = 0; i < 1_000; i++) {
        if (partitionForKey(new TextEncoder().encode(`k${i}`), 2) === partition) return `k${i}`;
      }
      throw new Error("no key found");
    };
    const [k0, k1] = [keyFor(0), keyFor(1)];
    const res = await request(one, "POST", "/v1/topics/t/records", {
      records: [
        { key: k1, value: "x1", headers: { h: "v" } },
        { key: k0, value: "x0" },
        { key: k1, value: "y1" },
      ],
    });
    expect(res).toMatchObject({
      status: 200,
      body: {
        offsets: [
          { partition: 1, offset: 0 },
          { partition: 0, offset: 0 },
          { partition: 1, offset: 1 },
        ],
      },
    });
    expect(await storedValues(two, "t", 1)).toEqual(["x1", "y1"]);
    expect(await storedValues(one, "t", 0)).toEqual(["x0"]);
    const read = await request(two, "GET", "/v1/topics/t/partitions/1/records?offset=0");
    expect(read.body.records[0]).toMatchObject({ key: k1, value: "x1", headers: { h: "v" } });

    // A raw record keeps repeated header names on the way.
    const raw = await fetch(
      `${one.base}/v1/topics/t/records?key=${k1}&header=n:1&header=n:2`,
      { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "raw" },
    );
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ offsets: [{ partition: 1, offset: 2 }] });
    const rawRead = await request(
      two,
      "GET",
      "/v1/topics/t/partitions/1/records?offset=2",
      undefined,
      { accept: "application/json" },
    );
    expect(rawRead.body.records[0]).toMatchObject({ key: k1, value: "raw" });
    const [stored] = [...decodeRecords(
      (await two.broker.fetch({
        partitions: [{ topic: "t", partition: 1, offset: 2, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      }))[0].records,
    )].filter((r) => r.offset === 2);
    expect(stored.headers.map((h) => [h.key, text.decode(h.value!)])).toEqual([
      ["n", "1"],
      ["n", "2"],
    ]);
  });

  it("consume and offsets on the non-leader answer from the leader, long polls included", async () => {
    const { one, two } = await twoNodes();
    await request(two, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "a" }],
    });
    const read = await request(one, "GET", "/v1/topics/t/partitions/1/records?offset=0");
    const direct = await request(two, "GET", "/v1/topics/t/partitions/1/records?offset=0");
    expect(read).toMatchObject({ status: 200, body: direct.body });
    expect(read.body.records.map((r: { value: string }) => r.value)).toEqual(["a"]);
    // CBOR answers pass through as the leader wrote them.
    const cborRead = await fetch(`${one.base}/v1/topics/t/partitions/1/records?offset=0`, {
      headers: { accept: "application/cbor" },
    });
    expect(cborRead.headers.get("content-type")).toBe("application/cbor");
    const cborDirect = await fetch(`${two.base}/v1/topics/t/partitions/1/records?offset=0`, {
      headers: { accept: "application/cbor" },
    });
    expect(new Uint8Array(await cborRead.arrayBuffer())).toEqual(
      new Uint8Array(await cborDirect.arrayBuffer()),
    );
    const offsets = await request(one, "GET", "/v1/topics/t/partitions/1/offsets");
    expect(offsets).toMatchObject({ status: 200, body: { earliest: 0, latest: 1 } });

    const waiting = request(
      one,
      "GET",
      "/v1/topics/t/partitions/1/records?offset=1&timeoutMs=10000",
    );
    await eventually(() => two.fetches.some((f) => f.partitions[0].offset === 1));
    await request(one, "POST", "/v1/topics/t/partitions/1/records", { records: [{ value: "b" }] });
    const woke = await waiting;
    expect(woke.body.records.map((r: { value: string }) => r.value)).toEqual(["b"]);
  });

  it("streams SSE through the non-leader and cancels the leader's stream on disconnect", async () => {
    const { one, two } = await twoNodes({ sseHeartbeatMs: 60_000 });
    await request(two, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "a" }],
    });
    const abort = new AbortController();
    const res = await fetch(`${one.base}/v1/topics/t/partitions/1/stream?offset=0`, {
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const reader = res.body!.getReader();
    let seen = "";
    const readUntil = async (needle: string) => {
      for (let i = 0; i < 100 && !seen.includes(needle); i++) {
        const { done, value } = await reader.read();
        if (done) break;
        seen += text.decode(value);
      }
      expect(seen).toContain(needle);
    };
    await readUntil('"value":"a"');
    expect(seen).toContain(": tail t/1 from 0");
    // A record produced on the leader afterwards arrives through the forwarded stream.
    await request(two, "POST", "/v1/topics/t/partitions/1/records", { records: [{ value: "b" }] });
    await readUntil('"value":"b"');
    expect(seen).toContain("id: 1\n");

    await eventually(() => two.fetches.some((f) => f.partitions[0].offset === 2));
    const waiting = two.fetches.find((f) => f.partitions[0].offset === 2)!;
    expect(waiting.signal?.aborted).toBe(false);
    abort.abort();
    await eventually(() => waiting.signal?.aborted === true);

    // A reconnecting EventSource's Last-Event-ID reaches the leader: it resumes after it.
    const resumed = await fetch(`${one.base}/v1/topics/t/partitions/1/stream`, {
      headers: { "last-event-id": "0" },
    });
    const resumedReader = resumed.body!.getReader();
    const first = text.decode((await resumedReader.read()).value);
    expect(first).toContain(": tail t/1 from 1");
    await resumedReader.cancel();
  });

  it("a long poll whose client disconnects is cancelled on the leader", async () => {
    const { one, two } = await twoNodes();
    const abort = new AbortController();
    const polling = fetch(`${one.base}/v1/topics/t/partitions/1/records?timeoutMs=20000`, {
      signal: abort.signal,
    });
    await eventually(() => two.fetches.length === 1);
    expect(two.fetches[0].signal?.aborted).toBe(false);
    abort.abort();
    await expect(polling).rejects.toThrow();
    await eventually(() => two.fetches[0].signal?.aborted === true);
  });

  it("a forwarded request is not forwarded again: the broker answers its own error", async () => {
    const { one, two } = await twoNodes();
    // Stale metadata on node 2: it believes node 1 leads partition 1, as node 1 believes node 2.
    two.leaders.set("t/1", 1);
    const res = await request(one, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "a" }],
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(res.body.error.message).toContain("broker 2 does not lead t-1");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(one.forwarded.length).toBe(1);
    expect(two.forwarded.length).toBe(0);
    expect(await storedValues(one, "t", 1)).toEqual([]);
    expect(await storedValues(two, "t", 1)).toEqual([]);
  });

  it("an unreachable leader answers 503 with Retry-After", async () => {
    const { one } = await twoNodes();
    // A port nobody listens on any more, as the metadata of a crashed leader would still say.
    const dead = await nodeRt.http.serve({
      host: "127.0.0.1",
      port: 0,
      fetch: () => new Response(null),
    });
    const deadPort = dead.port;
    await dead.close();
    one.httpPorts.set(2, deadPort);
    for (const path of ["/v1/topics/t/partitions/1/records", "/v1/topics/t/partitions/1/offsets"]) {
      const res = path.endsWith("records")
        ? await request(one, "POST", path, { records: [{ value: "a" }] })
        : await request(one, "GET", path);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("NOT_LEADER_OR_FOLLOWER");
      expect(res.body.error.message).toContain(`127.0.0.1:${deadPort}`);
      expect(res.headers.get("retry-after")).toBe("1");
    }
    const topic = await request(one, "POST", "/v1/topics/t/records", {
      records: [{ value: "a", partition: 1 }],
    });
    expect(topic.status).toBe(503);
    expect(topic.headers.get("retry-after")).toBe("1");
    expect(one.unexpected).toEqual([]);
    const logged = one.logLines.map((l) => JSON.parse(l));
    expect(logged[0]).toMatchObject({
      level: "warn",
      event: "http.forward_failed",
      target: `http://127.0.0.1:${deadPort}`,
      reason: "unreachable",
    });
  });

  it("a leader that does not answer in time gives 504 REQUEST_TIMED_OUT", async () => {
    const { one, two } = await twoNodes({ forwardTimeoutMs: 200 });
    await request(two, "POST", "/v1/topics/t/partitions/1/records", { records: [{ value: "a" }] });
    // timeoutMs=0 asks for no wait, but the leader will wait: its partition fetch is stalled.
    const never = new Promise<never>(() => {});
    const original = two.broker.fetch.bind(two.broker);
    two.broker.fetch = (req) => req.partitions[0].offset === 5 ? never : original(req);
    const res = await request(one, "GET", "/v1/topics/t/partitions/1/records?offset=5");
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("REQUEST_TIMED_OUT");
    expect(res.headers.get("retry-after")).toBe("1");
  });

  it("a body over the cap is refused here, before anything is sent on", async () => {
    const { one, two } = await twoNodes({ bodyBytesMax: 1024 });
    const res = await request(one, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "x".repeat(2048) }],
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(one.forwarded).toEqual([]);
    expect(await storedValues(two, "t", 1)).toEqual([]);
  });

  it("never forwards to an address that is not in the metadata", async () => {
    cluster = await startCluster(nodeRt, {
      targets: {
        forwardTarget: () => "http://127.0.0.1:9",
        coordinatorTarget: () => null,
      },
    });
    const [one] = cluster.nodes;
    await createTopicEverywhere(cluster, "t", 1);
    const res = await request(one, "GET", "/v1/topics/t/partitions/0/offsets");
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain("no broker in this broker's metadata");
    expect(one.forwarded).toEqual([]);
  });
});

describe("HTTP forwarding to the group coordinator", () => {
  it("a group's member requests on another broker reach its coordinator", async () => {
    const { one, two } = await twoNodes();
    await request(two, "POST", "/v1/topics/t/partitions/0/records", { records: [{ value: "p0" }] });
    const joined = await request(one, "POST", "/v1/groups/g/members", { topics: ["t"] });
    expect(joined.status).toBe(201);
    const memberId = joined.body.memberId as string;
    expect(two.groups.describeGroup("g").members.map((m) => m.memberId)).toEqual([memberId]);
    expect(() => one.groups.describeGroup("g")).toThrow();

    // Node 1 runs no HTTP members at all: only the coordinator can answer a poll.
    const poll = await request(one, "GET", `/v1/groups/g/members/${memberId}/records`);
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ records: [], memberEpoch: joined.body.memberEpoch });
    const beat = await request(one, "POST", `/v1/groups/g/members/${memberId}/heartbeat`);
    expect(beat.status).toBe(200);
    expect(beat.body.memberEpoch).toBeGreaterThan(0);
    const described = await request(one, "GET", "/v1/groups/g");
    expect(described).toMatchObject({ status: 200, body: { group: "g", members: [{ memberId }] } });
    const commit = await request(one, "POST", "/v1/groups/g/offsets", {
      memberId,
      memberEpoch: beat.body.memberEpoch,
      offsets: [{ topic: "t", partition: 0, offset: 0 }],
    });
    expect(commit.status).toBe(204);
    const offsets = await request(one, "GET", "/v1/groups/g/offsets?topic=t");
    expect(offsets.body.offsets).toContainEqual(
      expect.objectContaining({ topic: "t", partition: 0, committed: 0 }),
    );
    const left = await request(one, "DELETE", `/v1/groups/g/members/${memberId}`);
    expect(left.status).toBe(204);
    expect(two.groups.describeGroup("g").members).toEqual([]);
    expect(one.forwarded.every((r) => r.url.startsWith(two.base))).toBe(true);
    // join, poll, heartbeat, describe, commit, offsets, leave: each forwarded once.
    expect(one.forwarded.length).toBe(7);
  });
});

describe("HTTP forwarding options", () => {
  it("refuses forwarding targets without timers for their deadlines", () => {
    const broker = new FakeBroker();
    expect(() => makeApp(broker, { cluster: { forwardTarget: () => null } })).toThrow(/timers/);
    expect(() => makeApp(broker, { cluster: { coordinatorTarget: () => null } })).toThrow(/timers/);
    expect(() => makeApp(broker, { timers: nodeRt.timers, cluster: { forwardTarget: () => null } }))
      .not.toThrow();
  });

  it("a single node ignores the forwarded-by header and serves the request itself", async () => {
    const { app } = makeApp(new FakeBroker());
    await call(app, "POST", "/v1/topics", { name: "t" });
    const res = await call(app, "POST", "/v1/topics/t/partitions/0/records", {
      records: [{ value: "a" }],
    }, { [FORWARDED_BY_HEADER]: "7" });
    expect(res).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0 }] } });
  });
});
