// The CLI in-process: runCli with a captured stdin/stdout/stderr against an embedded broker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { cli, host } from "./capture.ts";

describe("tributary CLI (in process)", () => {
  let broker: RunningBroker;
  let bootstrap: string[];

  beforeAll(async () => {
    broker = await startBroker(host, { storage: "memory", port: 0, httpPort: null });
    bootstrap = ["--bootstrap", broker.bootstrap];
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("creates, lists, describes and deletes topics", async () => {
    const created = await cli([
      "topics",
      "create",
      "cli-t",
      "--partitions",
      "2",
      "--config",
      "retention.ms=60000",
      ...bootstrap,
    ]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect((await cli(["topics", "list", ...bootstrap])).stdout.split("\n")).toContain("cli-t");
    const described = JSON.parse(
      (await cli(["topics", "describe", "cli-t", "--json", ...bootstrap])).stdout,
    );
    expect(described.partitions).toHaveLength(2);
    expect(described.configs["retention.ms"]).toBe("60000");
    expect((await cli(["topics", "delete", "cli-t", ...bootstrap])).code).toBe(0);
    expect((await cli(["topics", "list", ...bootstrap])).stdout.split("\n")).not.toContain("cli-t");
  });

  it("produces stdin lines with keys and consumes them back", async () => {
    await cli(["topics", "create", "lines", "--partitions", "3", ...bootstrap]);
    const produced = await cli(
      ["produce", "lines", "--key-separator", ":", ...bootstrap],
      "a:one\nb:two\r\nc:three:3\n",
    );
    expect(produced).toEqual({ code: 0, stdout: "", stderr: "" });
    const consumed = await cli([
      "consume",
      "lines",
      "--from-beginning",
      "--max-messages",
      "3",
      "--print-key",
      ...bootstrap,
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split("\n").sort()).toEqual(["a\tone", "b\ttwo", "c\tthree:3"]);
  });

  it("produces with acks 0 and 1 too", async () => {
    await cli(["topics", "create", "acks", ...bootstrap]);
    expect(await cli(["produce", "acks", "--acks", "0", ...bootstrap], "zero\n")).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect((await cli(["produce", "acks", "--acks", "1", ...bootstrap], "one\n")).code).toBe(0);
    const consumed = await cli([
      "consume",
      "acks",
      "--from-beginning",
      "--max-messages",
      "2",
      ...bootstrap,
    ]);
    expect(consumed.stdout).toBe("zero\none\n");
    expect((await cli(["produce", "acks", "--acks", "2", ...bootstrap], "x\n")).code).toBe(2);
  });

  it("produces compressed batches with --compression", async () => {
    for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
      await cli(["topics", "create", `z-${codec}`, ...bootstrap]);
      const produced = await cli(
        ["produce", `z-${codec}`, "--compression", codec, ...bootstrap],
        `${codec} one\n${codec} two\n`,
      );
      expect(produced).toEqual({ code: 0, stdout: "", stderr: "" });
      const [r] = await broker.broker.fetch({
        partitions: [{ topic: `z-${codec}`, partition: 0, offset: 0, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      });
      // attributes int16 at byte 21 of the first batch: its codec in bits 0-2.
      expect(r.records[22] & 7).toBe(["gzip", "snappy", "lz4", "zstd"].indexOf(codec) + 1);
      const consumed = await cli([
        "consume",
        `z-${codec}`,
        "--from-beginning",
        "--max-messages",
        "2",
        ...bootstrap,
      ]);
      expect(consumed.stdout).toBe(`${codec} one\n${codec} two\n`);
    }
    const bad = await cli(["produce", "z-gzip", "--compression", "brotli", ...bootstrap], "x\n");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--compression must be one of/);
  });

  it("consumes one partition from an offset", async () => {
    await cli(["topics", "create", "single", ...bootstrap]);
    await cli(["produce", "single", ...bootstrap], "v0\nv1\nv2\nv3\n");
    const consumed = await cli([
      "consume",
      "single",
      "--partition",
      "0",
      "--offset",
      "2",
      "--max-messages",
      "2",
      ...bootstrap,
    ]);
    expect(consumed).toEqual({ code: 0, stdout: "v2\nv3\n", stderr: "" });
    const idle = await cli([
      "consume",
      "single",
      "--partition",
      "0",
      "--offset",
      "4",
      "--timeout-ms",
      "300",
      ...bootstrap,
    ]);
    expect(idle).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("fails with one line and a non-zero status on bad flags, unknown topics and a broker that is down", async () => {
    const badFlag = await cli(["topics", "list", "--nope"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/^tributary: unknown flag --nope\n$/);
    const unknown = await cli(["produce", "missing-topic", ...bootstrap], "x\n");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^tributary: UNKNOWN_TOPIC_OR_PARTITION: .*\n$/);
    const consumeUnknown = await cli([
      "consume",
      "missing-topic",
      "--max-messages",
      "1",
      ...bootstrap,
    ]);
    expect(consumeUnknown.code).toBe(1);
    const down = await cli(["topics", "list", "--bootstrap", "127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^tributary: NETWORK_EXCEPTION: .*\n$/);
    const noKeySep = await cli(
      ["produce", "single", "--key-separator", ":", ...bootstrap],
      "nokey\n",
    );
    expect(noKeySep.code).toBe(1);
    expect(noKeySep.stderr).toMatch(/no key separator/);
    expect((await cli(["frobnicate"])).code).toBe(2);
  });

  it("consumes with a group, resumes from its commit, describes and resets it", async () => {
    await cli(["topics", "create", "grouped", ...bootstrap]);
    await cli(["produce", "grouped", ...bootstrap], "g0\ng1\ng2\ng3\ng4\n");
    const consume = (...extra: string[]) =>
      cli(["consume", "grouped", "--group", "cg", "--max-messages", "2", ...extra, ...bootstrap]);
    expect(await consume("--from-beginning")).toEqual({ code: 0, stdout: "g0\ng1\n", stderr: "" });
    expect(await consume()).toEqual({ code: 0, stdout: "g2\ng3\n", stderr: "" });
    const described = JSON.parse(
      (await cli(["groups", "describe", "cg", "--json", ...bootstrap])).stdout,
    );
    expect(described).toMatchObject({ groupId: "cg", state: "empty", members: [] });
    expect(described.offsets).toMatchObject([
      { topic: "grouped", partition: 0, offset: 4, highWatermark: 5, lag: 1 },
    ]);
    const reset = await cli([
      "groups",
      "reset-offsets",
      "cg",
      "--topic",
      "grouped",
      "--to-offset",
      "1",
      "--json",
      ...bootstrap,
    ]);
    expect(JSON.parse(reset.stdout)).toEqual([{ topic: "grouped", partition: 0, offset: 1 }]);
    expect(await consume()).toEqual({ code: 0, stdout: "g1\ng2\n", stderr: "" });
    expect((await cli(["groups", "delete", "cg", ...bootstrap])).stdout).toBe(
      "Deleted group cg.\n",
    );
    expect((await cli(["groups", "list", "--json", ...bootstrap])).stdout).toBe("[]\n");
  });

  it("refuses group mistakes with one line", async () => {
    const withPartition = await cli(["consume", "grouped", "--group", "g", "--partition", "0"]);
    expect(withPartition.code).toBe(2);
    expect(withPartition.stderr).toMatch(/^tributary: --group takes its partitions .*\n$/);
    const missing = await cli(["consume", "nope", "--group", "g", ...bootstrap]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tributary: UNKNOWN_TOPIC_OR_PARTITION: .*\n$/);
    const noTarget = await cli([
      "groups",
      "reset-offsets",
      "g",
      "--topic",
      "grouped",
      ...bootstrap,
    ]);
    expect(noTarget.code).toBe(2);
    const unknownGroup = await cli(["groups", "describe", "no-such-group", ...bootstrap]);
    expect(unknownGroup.code).toBe(1);
    expect(unknownGroup.stderr).toMatch(/^tributary: GROUP_ID_NOT_FOUND: .*\n$/);
    expect((await cli(["groups", "frob"])).code).toBe(2);
  });

  it("prints usage and version", async () => {
    expect((await cli(["--help"])).stdout).toMatch(/Usage: tributary/);
    expect((await cli(["--version"])).stdout).toMatch(/^tributary \d+\.\d+\.\d+ \(node /);
  });
});
