// Consumer groups over HTTP, end to end against startBroker on a temp dir and a real socket:
// join, read from the member's positions, heartbeat, commit, offsets with lag, list, describe,
// leave, rebalancing between two HTTP members, autoCommit, and the error cases. Every request
// goes out on a fresh TCP connection (agent: false), so a member demonstrably works across
// connections: its state lives in the broker.
import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";

const rt = createNodeRuntime();
let dataDir: string;
let node: RunningBroker;
const localPorts = new Set<number>();

beforeEach(async () => {
  dataDir = await rt.fs.makeTempDir("tributary-http-groups-");
  node = await startBroker(rt, { dataDir, port: 0, httpPort: 0, offsetsTopicPartitions: 2 });
  localPorts.clear();
});
afterEach(async () => {
  await node.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

// deno-lint-ignore no-explicit-any -- bodies are checked field by field
type Json = any;

/** One request on a new connection; records the client-side port it used. */
function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest({
      host: "127.0.0.1",
      port: node.httpPort!,
      method,
      path,
      agent: false,
      headers: payload === undefined
        ? {}
        : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
    }, (res) => {
      localPorts.add(res.socket.localPort ?? -1);
      const chunks: Uint8Array[] = [];
      res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: text === "" ? null : JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

async function produce(topic: string, partition: number, values: string[]): Promise<void> {
  const records = values.map((value) => ({ value, partition }));
  const res = await call("POST", `/v1/topics/${topic}/records`, { records });
  expect(res.status).toBe(200);
}

const values = (body: Json) => body.records.map((r: Json) => `${r.partition}:${r.value}`).sort();

describe("consumer groups over HTTP", () => {
  it("join, read from committed positions, commit, heartbeat, leave, across connections", async () => {
    expect((await call("POST", "/v1/topics", { name: "orders", partitions: 2 })).status).toBe(201);
    await produce("orders", 0, ["a", "b"]);
    await produce("orders", 1, ["c"]);

    const joined = await call("POST", "/v1/groups/billing/members", {
      topics: ["orders"],
      sessionTimeoutMs: 10_000,
      autoOffsetReset: "earliest",
    });
    expect(joined.status).toBe(201);
    const { memberId } = joined.body;
    expect(joined.body).toMatchObject({
      memberEpoch: 1,
      assignment: [{ topic: "orders", partition: 0 }, { topic: "orders", partition: 1 }],
    });
    const member = `/v1/groups/billing/members/${memberId}`;

    const first = await call("GET", `${member}/records?maxRecords=10`);
    expect(first.status).toBe(200);
    expect(values(first.body)).toEqual(["0:a", "0:b", "1:c"]);
    expect(first.body.records[0]).toMatchObject({ topic: "orders", offset: 0, headers: {} });
    expect(first.body.assignment).toHaveLength(2);
    // Positions moved: the next read (another connection) sees only what is new.
    expect((await call("GET", `${member}/records`)).body.records).toEqual([]);
    await produce("orders", 0, ["d"]);
    expect(values((await call("GET", `${member}/records?timeoutMs=1000`)).body)).toEqual(["0:d"]);

    const commit = await call("POST", "/v1/groups/billing/offsets", {
      memberId,
      memberEpoch: first.body.memberEpoch,
      offsets: [{ topic: "orders", partition: 0, offset: 3 }, {
        topic: "orders",
        partition: 1,
        offset: 0,
      }],
    });
    expect(commit.status).toBe(204);
    const offsets = await call("GET", "/v1/groups/billing/offsets");
    expect(offsets.body).toEqual({
      offsets: [
        { topic: "orders", partition: 0, committed: 3, highWatermark: 3, lag: 0 },
        { topic: "orders", partition: 1, committed: 0, highWatermark: 1, lag: 1 },
      ],
    });

    const beat = await call("POST", `${member}/heartbeat`);
    expect(beat).toMatchObject({ status: 200, body: { memberEpoch: 1 } });
    expect(beat.body.assignment).toHaveLength(2);

    const listed = await call("GET", "/v1/groups");
    expect(listed.body).toEqual({ groups: [{ group: "billing", state: "stable", members: 1 }] });
    const described = await call("GET", "/v1/groups/billing");
    expect(described.body).toMatchObject({
      group: "billing",
      state: "stable",
      epoch: 1,
      assignor: "sticky",
      members: [{ memberId, instanceId: null, clientId: "tributary-http" }],
    });

    expect((await call("DELETE", member)).status).toBe(204);
    const gone = await call("GET", `${member}/records`);
    expect(gone).toMatchObject({ status: 404, body: { error: { code: "UNKNOWN_MEMBER_ID" } } });
    expect((await call("GET", "/v1/groups/billing")).body).toMatchObject({
      state: "empty",
      members: [],
    });
    // Every request above went out on its own connection.
    expect(localPorts.size).toBeGreaterThanOrEqual(12);
  });

  it("a second member takes half; revocations complete with the first member's next request", async () => {
    await call("POST", "/v1/topics", { name: "t", partitions: 4 });
    const join = () =>
      call("POST", "/v1/groups/g/members", { topics: ["t"], autoOffsetReset: "earliest" });
    const a = (await join()).body;
    expect(a.assignment).toHaveLength(4);
    const b = (await join()).body;
    // b gets nothing yet: every partition is still a's.
    expect(b.assignment).toEqual([]);
    const aBeat = await call("POST", `/v1/groups/g/members/${a.memberId}/heartbeat`);
    expect(aBeat.body.assignment).toHaveLength(2); // told to release two
    // a's next request reports owning only those two: the revocation completes.
    const aRead = await call("GET", `/v1/groups/g/members/${a.memberId}/records`);
    expect(aRead.body.assignment).toHaveLength(2);
    const bBeat = await call("POST", `/v1/groups/g/members/${b.memberId}/heartbeat`);
    expect(bBeat.body.assignment).toHaveLength(2);
    const owned = [...aRead.body.assignment, ...bBeat.body.assignment].map((p: Json) =>
      p.partition
    );
    expect(owned.sort()).toEqual([0, 1, 2, 3]);
    expect((await call("GET", "/v1/groups/g")).body.state).toBe("stable");
  });

  it("autoCommit commits what earlier reads returned, at the next read", async () => {
    await call("POST", "/v1/topics", { name: "t", partitions: 1 });
    await produce("t", 0, ["a", "b", "c"]);
    const m = (await call("POST", "/v1/groups/g/members", {
      topics: ["t"],
      autoOffsetReset: "earliest",
    })).body;
    const read = (query: string) =>
      call("GET", `/v1/groups/g/members/${m.memberId}/records?${query}`);
    expect(values((await read("maxRecords=2&autoCommit=true")).body)).toEqual(["0:a", "0:b"]);
    const before = await call("GET", "/v1/groups/g/offsets");
    expect(before.body.offsets).toEqual([]);
    expect(values((await read("autoCommit=true")).body)).toEqual(["0:c"]);
    const after = await call("GET", "/v1/groups/g/offsets");
    expect(after.body.offsets).toEqual([
      { topic: "t", partition: 0, committed: 2, highWatermark: 3, lag: 1 },
    ]);
    // A new member of the group starts from the committed offset.
    await call("DELETE", `/v1/groups/g/members/${m.memberId}`);
    const n = (await call("POST", "/v1/groups/g/members", { topics: ["t"] })).body;
    const resumed = await call("GET", `/v1/groups/g/members/${n.memberId}/records`);
    expect(values(resumed.body)).toEqual(["0:c"]);
  });

  it("answers errors with the usual shape and status", async () => {
    await call("POST", "/v1/topics", { name: "t", partitions: 1 });
    await produce("t", 0, ["a"]);
    const bad = (res: { status: number; body: Json }) => [res.status, res.body.error.code];
    expect(bad(await call("POST", "/v1/groups/g/members", {}))).toEqual([400, "INVALID_REQUEST"]);
    expect(bad(await call("POST", "/v1/groups/g/members", { topics: ["t"], nope: 1 }))).toEqual([
      400,
      "INVALID_REQUEST",
    ]);
    expect(bad(await call("POST", "/v1/groups/g/members", { topics: ["t"], autoOffsetReset: "x" })))
      .toEqual([400, "INVALID_REQUEST"]);
    expect(bad(await call("POST", "/v1/groups/g/members", { topics: ["t"], sessionTimeoutMs: 5 })))
      .toEqual([400, "INVALID_SESSION_TIMEOUT"]);
    expect(bad(await call("GET", "/v1/groups/nope"))).toEqual([404, "GROUP_ID_NOT_FOUND"]);
    expect(bad(await call("GET", "/v1/groups/nope/members/ghost/records"))).toEqual([
      404,
      "GROUP_ID_NOT_FOUND",
    ]);
    expect(bad(await call("POST", "/v1/groups/nope/members/ghost/heartbeat"))).toEqual([
      404,
      "GROUP_ID_NOT_FOUND",
    ]);

    const m = (await call("POST", "/v1/groups/g/members", {
      topics: ["t"],
      autoOffsetReset: "none",
    })).body;
    expect(bad(await call("GET", `/v1/groups/g/members/${m.memberId}/records`))).toEqual([
      416,
      "OFFSET_OUT_OF_RANGE",
    ]);
    expect(bad(await call("GET", `/v1/groups/g/members/ghost/records`))).toEqual([
      404,
      "UNKNOWN_MEMBER_ID",
    ]);
    const commit = (body: unknown) => call("POST", "/v1/groups/g/offsets", body);
    const offsets = [{ topic: "t", partition: 0, offset: 1 }];
    expect(bad(await commit({ memberId: m.memberId, memberEpoch: 7, offsets }))).toEqual([
      409,
      "FENCED_MEMBER_EPOCH",
    ]);
    expect(bad(await commit({ memberId: "ghost", memberEpoch: 1, offsets }))).toEqual([
      404,
      "UNKNOWN_MEMBER_ID",
    ]);
    // An admin commit ("" / -1) is refused while the group has members.
    expect(bad(await commit({ offsets }))).toEqual([404, "UNKNOWN_MEMBER_ID"]);
    expect(
      bad(
        await commit({ memberId: m.memberId, offsets: [{ topic: "t", partition: 5, offset: 1 }] }),
      ),
    )
      .toEqual([404, "UNKNOWN_TOPIC_OR_PARTITION"]);
    // memberEpoch may be left out for a member this broker serves over HTTP.
    expect((await commit({ memberId: m.memberId, offsets })).status).toBe(204);
    expect(values((await call("GET", `/v1/groups/g/members/${m.memberId}/records`)).body)).toEqual(
      [],
    );
  });
});
