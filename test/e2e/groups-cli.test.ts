// The group commands of the CLI as real processes against a real broker process, both under
// the same host runtime: consume --group (resumes where the group left off, commits before
// exiting), groups list / describe (committed, high watermark, lag) / reset-offsets (each
// target, and NON_EMPTY_GROUP as one line with exit 1 while a member is active).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  runCliProcess,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";
import { groupConsumer, waitUntil } from "./group-helpers.ts";

const selected = selectedHosts("E2E_GROUP_HOSTS");
const TOPIC = "cli-orders";

for (const host of selected) {
  requireHost(host);
  describe(`group CLI under ${host}`, () => {
    const dir = makeTempDir(`tributary-groups-cli-${host}-`);
    let broker: BrokerProcess;
    const cli = (args: string[], stdin = "") =>
      runCliProcess(host, [...args, "--bootstrap", broker.bootstrap], stdin);
    /** The committed offset, high watermark and lag of partition 0, from the JSON describe. */
    const partition0 = async () => {
      const described = await cli(["groups", "describe", "cg", "--json"]);
      expect(described.stderr).toBe("");
      const { offsets } = JSON.parse(described.stdout) as {
        offsets: Array<{ partition: number; offset: number; highWatermark: number; lag: number }>;
      };
      const { offset, highWatermark, lag } = offsets.find((o) => o.partition === 0)!;
      return { offset, highWatermark, lag };
    };

    beforeAll(async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("consumes with a group, resumes from its commits, lists and describes it", async () => {
      expect((await cli(["topics", "create", TOPIC, "--partitions", "1"])).code).toBe(0);
      const lines = Array.from({ length: 10 }, (_, i) => `o${i}\n`).join("");
      expect((await cli(["produce", TOPIC], lines)).code).toBe(0);

      const first = await cli([
        "consume",
        TOPIC,
        "--group",
        "cg",
        "--from-beginning",
        "--max-messages",
        "4",
      ]);
      expect(first).toMatchObject({ code: 0, stdout: "o0\no1\no2\no3\n", stderr: "" });

      const listed = await cli(["groups", "list"]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^GROUP\s+STATE\s+MEMBERS\s+EPOCH\s+ASSIGNOR$/m);
      expect(listed.stdout).toMatch(/^cg\s+empty\s+0\s+\d+\s+sticky$/m);

      const described = await cli(["groups", "describe", "cg"]);
      expect(described.code).toBe(0);
      expect(described.stdout).toMatch(
        /^Group cg: state empty, epoch \d+, assignor sticky, 0 members$/m,
      );
      expect(described.stdout).toMatch(
        /^TOPIC\s+PARTITION\s+COMMITTED\s+HIGH-WATERMARK\s+LAG\s+MEMBER$/m,
      );
      expect(described.stdout).toMatch(new RegExp(`^${TOPIC}\\s+0\\s+4\\s+10\\s+6\\s+-$`, "m"));

      // No --from-beginning needed: the group's committed offset says where to go on.
      const second = await cli(["consume", TOPIC, "--group", "cg", "--max-messages", "6"]);
      expect(second).toMatchObject({ code: 0, stdout: "o4\no5\no6\no7\no8\no9\n" });
      expect(await partition0()).toEqual({ offset: 10, highWatermark: 10, lag: 0 });
    }, 120_000);

    it("resets offsets to an offset, the earliest, the latest and a date-time", async () => {
      const reset = (...to: string[]) =>
        cli(["groups", "reset-offsets", "cg", "--topic", TOPIC, ...to]);
      const toOffset = await reset("--to-offset", "3");
      expect(toOffset.code).toBe(0);
      expect(toOffset.stdout).toMatch(new RegExp(`^${TOPIC}\\s+0\\s+3$`, "m"));
      expect((await partition0()).offset).toBe(3);
      expect((await reset("--to-latest")).code).toBe(0);
      expect(await partition0()).toEqual({ offset: 10, highWatermark: 10, lag: 0 });
      expect((await reset("--to-datetime", "2000-01-01T00:00:00Z")).code).toBe(0);
      expect(await partition0()).toEqual({ offset: 0, highWatermark: 10, lag: 10 });
      expect((await reset("--to-offset", "7")).code).toBe(0);
      expect((await reset("--to-earliest")).code).toBe(0);
      expect((await partition0()).offset).toBe(0);

      const usage = await reset("--to-earliest", "--to-latest");
      expect(usage.code).toBe(2);
    }, 120_000);

    it("refuses to reset a group with an active member: one line, exit 1", async () => {
      const member = groupConsumer(broker.bootstrap, { groupId: "cg", topics: [TOPIC] });
      try {
        await waitUntil(
          "the member owns the partition",
          () => member.assignment().length === 1,
          20_000,
        );
        const refused = await cli([
          "groups",
          "reset-offsets",
          "cg",
          "--topic",
          TOPIC,
          "--to-latest",
        ]);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toBe("");
        expect(refused.stderr).toMatch(/^tributary: NON_EMPTY_GROUP: [^\n]+\n$/);
        const described = await cli(["groups", "describe", "cg"]);
        expect(described.stdout).toMatch(
          /^Group cg: state stable, epoch \d+, assignor sticky, 1 member$/m,
        );
        expect(described.stdout).toMatch(
          new RegExp(`^${TOPIC}\\s+0\\s+\\d+\\s+10\\s+\\d+\\s+\\S{8,}$`, "m"),
        );
      } finally {
        await member.close();
      }
    }, 60_000);
  });
}
