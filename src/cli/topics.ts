// `tributary topics create|list|describe|delete`.

import { type AdminAction, runAdminCommand } from "./admin-command.ts";
import { expectPositionals, intFlag, parseKeyValues, stringList } from "../args/args.ts";
import { clientFlagSpecs, type CliRuntime, io } from "./client-flags.ts";
import { printJson } from "./output.ts";

const specs = {
  ...clientFlagSpecs,
  partitions: { type: "integer" },
  "replication-factor": { type: "integer" },
  config: { type: "string", multiple: true },
} as const;

export function topicsCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  return runAdminCommand(rt, argv, { name: "topics", specs, actions });
}

const actions: Record<string, AdminAction> = {
  create: async ({ rt, admin, args, sub }) => {
    const [name] = expectPositionals(
      sub,
      ["NAME"],
      "tributary topics create NAME [--partitions N] [--config k=v ...]",
    );
    const configs = parseKeyValues(stringList(args, "config"), "--config");
    const partitions = intFlag(args, "partitions");
    const replicationFactor = intFlag(args, "replication-factor");
    await admin.createTopic(name, {
      configs,
      ...(partitions !== undefined ? { partitions } : {}),
      ...(replicationFactor !== undefined ? { replicationFactor } : {}),
    });
    await io(rt).writeStdout(`Created topic ${name}.\n`);
  },
  list: async ({ rt, admin, sub }) => {
    expectPositionals(sub, [], "tributary topics list");
    const topics = await admin.listTopics();
    const names = topics.map((t) => t.name).sort();
    await io(rt).writeStdout(names.map((n) => `${n}\n`).join(""));
  },
  describe: async ({ rt, admin, sub }) => {
    const [name] = expectPositionals(sub, ["NAME"], "tributary topics describe NAME");
    await printJson(rt.process, await admin.describeTopic(name));
  },
  delete: async ({ rt, admin, sub }) => {
    const [name] = expectPositionals(sub, ["NAME"], "tributary topics delete NAME");
    await admin.deleteTopic(name);
    await io(rt).writeStdout(`Deleted topic ${name}.\n`);
  },
};
