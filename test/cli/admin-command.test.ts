// The scaffolding `topics` and `groups` share: action dispatch and its usage errors. No broker:
// the Admin connects lazily and these actions never call it.
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { type AdminActionContext, runAdminCommand } from "../../src/cli/admin-command.ts";
import { UsageError } from "../../src/args/args.ts";
import { groupsCommand } from "../../src/cli/groups.ts";
import { clusterCommand } from "../../src/cli/cluster.ts";
import { topicsCommand } from "../../src/cli/topics.ts";

const rt = createNodeRuntime();
const specs = { bootstrap: { type: "string" }, json: { type: "boolean" } } as const;

function command(seen: AdminActionContext[]) {
  const record = (ctx: AdminActionContext) => Promise.resolve(void seen.push(ctx));
  return { name: "things", specs, actions: { make: record, list: record, "drop-all": record } };
}

async function usageError(argv: string[]): Promise<string> {
  const err = await runAdminCommand(rt, argv, command([])).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return (err as UsageError).message;
}

describe("runAdminCommand", () => {
  it("runs the named action with the positionals after the action word", async () => {
    const seen: AdminActionContext[] = [];
    await runAdminCommand(rt, ["make", "a", "b", "--json"], command(seen));
    expect(seen).toHaveLength(1);
    expect(seen[0].args.positionals).toEqual(["make", "a", "b"]);
    expect(seen[0].sub.positionals).toEqual(["a", "b"]);
    expect(seen[0].sub.flags).toEqual({ json: true });
  });

  it("lists the actions when none is given", async () => {
    expect(await usageError(["--json"])).toBe("things needs an action: make, list or drop-all");
  });

  it("refuses unknown actions, inherited property names among them", async () => {
    expect(await usageError(["melt"])).toBe('unknown things action "melt"');
    expect(await usageError(["toString"])).toBe('unknown things action "toString"');
  });

  it("lets flag errors through before any action runs", async () => {
    await expect(usageError(["make", "--nope"])).resolves.toMatch(/nope/);
  });

  it("gives topics, groups and cluster their action lists", async () => {
    await expect(topicsCommand(rt, [])).rejects.toThrow(
      /^topics needs an action: create, list, describe, add-partitions, reassign or delete$/,
    );
    await expect(clusterCommand(rt, [])).rejects.toThrow(
      /^cluster needs an action: describe or elect-leaders$/,
    );
    await expect(groupsCommand(rt, ["explode"])).rejects.toThrow(
      /^unknown groups action "explode"$/,
    );
    await expect(groupsCommand(rt, [])).rejects.toThrow(
      /^groups needs an action: list, describe, reset-offsets or delete$/,
    );
  });
});
