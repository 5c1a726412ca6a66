// One tiny real run of each mode against an embedded broker (memory storage, free ports).
// No timing assertions: only that the counts and the summary shape are right.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { runCli } from "../../src/cli/run.ts";
import { Admin } from "../../src/client/admin.ts";
import { parsePerfArgs } from "../../src/perf/options.ts";
import { runPerf } from "../../src/perf/perf.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";

const rt = createNodeRuntime();

describe("tributary perf against an embedded broker", () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startBroker(rt, { storage: "memory", port: 0, httpPort: 0 });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("produces, creating the topic with the partitions asked for", async () => {
    const options = parsePerfArgs([
      "produce",
      "--bootstrap",
      broker.bootstrap,
      "--topic",
      "perf-a",
      "--records",
      "3000",
      "--record-size",
      "100",
      "--partitions",
      "3",
      "--connections",
      "2",
    ]);
    const progress = { done: 0 };
    const s = await runPerf(rt, options, progress);
    expect(s.records).toBe(3000);
    expect(s.bytes).toBe(300_000);
    expect(s.errors).toBe(0);
    expect(progress.done).toBe(3000);
    expect(s.maxMs).toBeGreaterThanOrEqual(s.p50Ms);
    const admin = new Admin(rt, { bootstrap: broker.bootstrap });
    const topic = await admin.describeTopic("perf-a");
    await admin.close();
    expect(topic.partitions.length).toBe(3);
    const total = topic.partitions.reduce((n, p) => n + p.highWatermark, 0);
    expect(total).toBe(3000);
  });

  it("consumes what was produced, from the start", async () => {
    const s = await runPerf(
      rt,
      parsePerfArgs([
        "consume",
        "--bootstrap",
        broker.bootstrap,
        "--topic",
        "perf-a",
        "--records",
        "3000",
      ]),
    );
    expect(s.records).toBe(3000);
    expect(s.bytes).toBe(300_000);
  });

  it("measures end to end at a fixed rate", async () => {
    const s = await runPerf(
      rt,
      parsePerfArgs([
        "e2e",
        "--bootstrap",
        broker.bootstrap,
        "--topic",
        "perf-e2e",
        "--records",
        "2000",
        "--rate",
        "20000",
        "--partitions",
        "2",
        "--warmup-records",
        "700",
      ]),
    );
    expect(s.records).toBe(2000);
    expect(s.bytes).toBe(2000 * 100);
    expect(s.p50Ms).toBeGreaterThan(0);
    expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
    // The warm-up records were sent and received too, only not counted.
    const admin = new Admin(rt, { bootstrap: broker.bootstrap });
    const topic = await admin.describeTopic("perf-e2e");
    await admin.close();
    expect(topic.partitions.reduce((n, p) => n + p.highWatermark, 0)).toBe(2700);
  });

  it("runs over HTTP: batched produce, long-poll consume", async () => {
    const common = ["--http", broker.httpUrl as string, "--topic", "perf-h", "--records", "2500"];
    const produced = await runPerf(rt, parsePerfArgs(["produce", ...common, "--partitions", "2"]));
    expect(produced.records).toBe(2500);
    const consumed = await runPerf(rt, parsePerfArgs(["consume", ...common]));
    expect(consumed.records).toBe(2500);
    expect(consumed.bytes).toBe(2500 * 100);
  });

  it("prints one JSON object with --json through the CLI", async () => {
    const out: string[] = [];
    const cliRt = {
      ...rt,
      process: {
        ...rt.process,
        stdoutIsTerminal: false,
        writeStdout: (d: string | Uint8Array) => {
          out.push(String(d));
          return Promise.resolve();
        },
      },
    };
    const code = await runCli(cliRt, [
      "perf",
      "produce",
      "--bootstrap",
      broker.bootstrap,
      "--topic",
      "perf-json",
      "--records",
      "1000",
      "--acks",
      "all",
      "--json",
    ]);
    expect(code).toBe(0);
    expect(out.length).toBe(1);
    const summary = JSON.parse(out[0]) as Record<string, number>;
    for (const key of ["recordsPerSec", "mbPerSec", "p50Ms", "p95Ms", "p99Ms", "p999Ms", "maxMs"]) {
      expect(typeof summary[key]).toBe("number");
    }
    expect(summary.records).toBe(1000);
  });
});
