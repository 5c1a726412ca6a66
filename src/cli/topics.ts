// `tributary topics create|list|describe|delete`.

import { Admin } from "../client/admin.ts";
import {
  expectPositionals,
  intFlag,
  parseArgs,
  parseKeyValues,
  stringList,
  UsageError,
} from "./args.ts";
import { clientFlagSpecs, type CliRuntime, clusterOptionsOf, io } from "./client-flags.ts";
import { printJson } from "./output.ts";

const specs = {
  ...clientFlagSpecs,
  partitions: { type: "integer" },
  "replication-factor": { type: "integer" },
  config: { type: "string", multiple: true },
} as const;

export async function topicsCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, specs);
  const [action, ...rest] = args.positionals;
  const sub = { ...args, positionals: rest };
  const admin = new Admin(rt, clusterOptionsOf(args));
  try {
    switch (action) {
      case "create": {
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
        return;
      }
      case "list": {
        expectPositionals(sub, [], "tributary topics list");
        const topics = await admin.listTopics();
        const names = topics.map((t) => t.name).sort();
        await io(rt).writeStdout(names.map((n) => `${n}\n`).join(""));
        return;
      }
      case "describe": {
        const [name] = expectPositionals(sub, ["NAME"], "tributary topics describe NAME");
        await printJson(rt.process, await admin.describeTopic(name));
        return;
      }
      case "delete": {
        const [name] = expectPositionals(sub, ["NAME"], "tributary topics delete NAME");
        await admin.deleteTopic(name);
        await io(rt).writeStdout(`Deleted topic ${name}.\n`);
        return;
      }
      default:
        throw new UsageError(
          action === undefined
            ? "topics needs an action: create, list, describe or delete"
            : `unknown topics action "${action}"`,
        );
    }
  } finally {
    await admin.close();
  }
}
