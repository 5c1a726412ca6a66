// An HTTP consumer group survives any node (issue 11 §0): in a 3-node cluster of real processes
// an HTTP member is created through one broker and reads through another (both forward to the
// group's coordinator); the coordinator's broker is SIGKILLed, and the same member id keeps
// working through a survivor (never a 404), resumes at its committed offset, starts a partition
// without a commit at the autoOffsetReset it joined with, and no committed offset ever goes
// back. Under the hosts of CLUSTER_HTTP_GROUPS_HOSTS (default node,deno,bun).
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import { Admin, Producer } from "../../src/index.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { type HostName, selectedHosts } from "./broker-process.ts";
import { type ProcessCluster, startProcessCluster } from "./cluster-process.ts";
import { waitForPartition } from "./cluster-load.ts";

const TOPIC = "http-grouped";
const GROUP = "http-survivors";
const RECORDS = 300;
const COMMIT_AT = 120;
const AFTER_KILL = 50;
const WAIT_MS_MAX = 60_000;
const REQUEST_MS_MAX = 10_000;

// deno-lint-ignore no-explicit-any -- answers are checked field by field
type Json = any;

interface Answer {
  status: number;
  body: Json;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_MS_MAX),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) };
}

/**
 * The request, repeated while the answer is a retriable 503/504 or the broker cannot be reached
 * (the coordinator moving), for at most WAIT_MS_MAX; any other answer is returned.
 */
async function retrying(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const deadline = Date.now() + WAIT_MS_MAX;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const answer = await call(base, method, path, body);
      if (answer.status !== 503 && answer.status !== 504) return answer;
      last = answer.body;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${method} ${path} kept failing for ${WAIT_MS_MAX} ms: ${JSON.stringify(last)}`);
}

async function committedOffsets(base: string): Promise<Map<number, number | null>> {
  const answer = await retrying(base, "GET", `/v1/groups/${GROUP}/offsets?topic=${TOPIC}`);
  expect(answer.status).toBe(200);
  return new Map(
    (answer.body.offsets as Json[]).map((o) => [o.partition as number, o.committed]),
  );
}

for (const host of selectedHosts("CLUSTER_HTTP_GROUPS_HOSTS")) {
  const hosts: HostName[] = [host, host, host];
  describe(`an HTTP consumer group in a 3-node cluster under ${host}`, () => {
    let cluster: ProcessCluster | null = null;
    afterEach(async () => {
      await cluster?.stopAll();
      cluster = null;
    });

    it(
      "keeps its member, its committed offsets and its autoOffsetReset across a SIGKILL of the coordinator",
      async () => {
        cluster = await startProcessCluster({ hosts });
        const c = cluster;
        onTestFailed(() => console.log(c.logTails()));
        await c.waitForActiveBrokers(3);
        const admin = new Admin({ bootstrap: c.bootstrap });
        await admin.createTopic(TOPIC, {
          partitions: 2,
          replicationFactor: 3,
          configs: { "min.insync.replicas": "2" },
        });
        const producer = new Producer({ bootstrap: c.bootstrap, acks: "all", lingerMs: 2 });
        const send = (partition: number, from: number, count: number) =>
          Promise.all(Array.from(
            { length: count },
            (_, i) =>
              producer.send({ topic: TOPIC, partition, value: `p${partition}-${from + i}` }),
          ));
        await send(0, 0, RECORDS);
        const offsetsTopic = await admin.describeTopic("__consumer_offsets");
        await admin.close();
        const coordinator = (await waitForPartition(
          c.bootstrap,
          "__consumer_offsets",
          (x) => x.leader > 0,
          WAIT_MS_MAX,
          offsetsPartitionFor(GROUP, offsetsTopic.partitions.length),
        )).leader;
        const [a, b] = c.nodes.filter((n) => n.nodeId !== coordinator)
          .map((n) => `http://127.0.0.1:${n.httpPort}`);

        // Created through A, read and committed through B: both forward to the coordinator.
        const joined = await retrying(a, "POST", `/v1/groups/${GROUP}/members`, {
          topics: [TOPIC],
          autoOffsetReset: "earliest",
        });
        expect(joined.status).toBe(201);
        const member = joined.body.memberId as string;
        const records = `/v1/groups/${GROUP}/members/${member}/records?encoding=utf8&maxRecords=40`;
        const read: Array<{ partition: number; offset: number; value: string }> = [];
        const pollOnce = async (base: string, autoCommit = false) => {
          const answer = await retrying(
            base,
            "GET",
            `${records}&timeoutMs=500&autoCommit=${autoCommit}`,
          );
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          for (const r of answer.body.records as Json[]) {
            read.push({ partition: r.partition, offset: r.offset, value: r.value });
          }
        };
        const deadlineBefore = Date.now() + WAIT_MS_MAX;
        while (read.length < COMMIT_AT && Date.now() < deadlineBefore) await pollOnce(b);
        expect(read.slice(0, COMMIT_AT).map((r) => `p${r.partition}-${r.offset}`)).toEqual(
          Array.from({ length: COMMIT_AT }, (_, i) => `p0-${i}`),
        );
        const commit = await retrying(b, "POST", `/v1/groups/${GROUP}/offsets`, {
          memberId: member,
          offsets: [{ topic: TOPIC, partition: 0, offset: COMMIT_AT }],
        });
        expect(commit.status, JSON.stringify(commit.body)).toBe(204);
        expect((await committedOffsets(b)).get(0)).toBe(COMMIT_AT);

        await c.kill9(coordinator);
        // Partition 1 has no commit: records written now must be read from its start (earliest),
        // however late the member's next request reaches the new coordinator.
        await send(1, 0, AFTER_KILL);
        await producer.close();

        // The same member id, through a survivor, from the committed offset on.
        read.length = 0;
        const seen = new Set<string>();
        const deadlineAfter = Date.now() + WAIT_MS_MAX;
        let lastCommitted = COMMIT_AT;
        while (seen.size < RECORDS - COMMIT_AT + AFTER_KILL && Date.now() < deadlineAfter) {
          const answer = await retrying(a, "GET", `${records}&timeoutMs=500&autoCommit=true`);
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          for (const r of answer.body.records as Json[]) {
            read.push({ partition: r.partition, offset: r.offset, value: r.value });
            seen.add(`p${r.partition}-${r.offset}`);
          }
          const committed = (await committedOffsets(b)).get(0) ?? 0;
          expect(committed).toBeGreaterThanOrEqual(lastCommitted);
          lastCommitted = committed;
        }
        const p0 = read.filter((r) => r.partition === 0);
        const p1 = read.filter((r) => r.partition === 1);
        expect(p0[0]?.offset).toBe(COMMIT_AT);
        expect(p0.map((r) => r.value)).toEqual(
          Array.from({ length: RECORDS - COMMIT_AT }, (_, i) => `p0-${COMMIT_AT + i}`),
        );
        expect(p1.map((r) => r.value)).toEqual(
          Array.from({ length: AFTER_KILL }, (_, i) => `p1-${i}`),
        );
        // One more request commits what the last one handed out.
        await pollOnce(a, true);
        const final = await committedOffsets(a);
        expect([final.get(0), final.get(1)]).toEqual([RECORDS, AFTER_KILL]);
        const left = await retrying(b, "DELETE", `/v1/groups/${GROUP}/members/${member}`);
        expect(left.status).toBe(204);
      },
      180_000,
    );
  });
}
