// HTTP forwarding on the host that runs this script (forwarding-runtimes.test.ts runs it under
// Deno and Bun; forwarding.test.ts covers Node in depth): a produce to the non-leader lands on
// the leader, SSE streams through and a disconnect cancels the leader's wait, a forwarded request
// is not forwarded again, and an unreachable leader answers 503 with Retry-After.
//   node_modules/.bin/deno run -A test/http/forward-smoke.ts
//   node_modules/.bin/bun run test/http/forward-smoke.ts
// Prints "forward smoke: ok <runtime>" and ends; any failure throws (a non-zero exit).
import { loadRuntime } from "../../runtime/load.ts";
import { eventually } from "../support/eventually.ts";
import { createTopicEverywhere, startCluster } from "./forward-cluster.ts";

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`forward smoke: ${what}`);
}

const rt = await loadRuntime();
const cluster = await startCluster(rt, { sseHeartbeatMs: 60_000 });
try {
  const [one, two] = cluster.nodes;
  await createTopicEverywhere(cluster, "t", 2);
  for (const node of cluster.nodes) node.leaders.set("t/1", 2);
  const post = (base: string, path: string, body: unknown) =>
    fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  const produced = await post(one.base, "/v1/topics/t/partitions/1/records", {
    records: [{ value: "a" }],
  });
  const answer = await produced.json();
  check(produced.status === 200, `produce answered ${produced.status}`);
  check(JSON.stringify(answer) === '{"offsets":[{"partition":1,"offset":0}]}', "produce offsets");
  const latest = await two.broker.listOffsets("t", 1, "latest");
  check(latest.offset === 1, "the record is on the leader");

  const abort = new AbortController();
  const stream = await fetch(`${one.base}/v1/topics/t/partitions/1/stream?offset=0`, {
    signal: abort.signal,
  });
  check(stream.headers.get("content-type") === "text/event-stream; charset=utf-8", "SSE type");
  const reader = stream.body!.getReader();
  let seen = "";
  for (let i = 0; i < 100 && !seen.includes('"value":"a"'); i++) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  check(seen.includes('"value":"a"'), `SSE event through the forwarder, got ${seen}`);
  await eventually(() => two.fetches.some((f) => f.partitions[0].offset === 1));
  const waiting = two.fetches.find((f) => f.partitions[0].offset === 1)!;
  abort.abort();
  await reader.cancel().catch(() => {});
  await eventually(() => waiting.signal?.aborted === true);

  two.leaders.set("t/1", 1); // stale metadata on both sides
  const looped = await post(one.base, "/v1/topics/t/partitions/1/records", {
    records: [{ value: "b" }],
  });
  check(looped.status === 503, `looped request answered ${looped.status}`);
  await looped.body?.cancel();
  check(two.forwarded.length === 0, "the forwarded request was forwarded again");
  two.leaders.set("t/1", 2);

  const dead = await rt.http.serve({ host: "127.0.0.1", port: 0, fetch: () => new Response() });
  const deadPort = dead.port;
  await dead.close();
  one.httpPorts.set(2, deadPort);
  const down = await fetch(`${one.base}/v1/topics/t/partitions/1/offsets`);
  const downBody = await down.json();
  check(down.status === 503, `unreachable leader answered ${down.status}`);
  check(downBody.error.code === "NOT_LEADER_OR_FOLLOWER", `code ${downBody.error.code}`);
  check(down.headers.get("retry-after") === "1", "Retry-After");
  check(one.unexpected.length === 0 && two.unexpected.length === 0, "no unexpected errors");
  console.log(`forward smoke: ok ${rt.name}`);
} finally {
  await cluster.close();
}
