// What `topics` and `groups` share: `tributary <command> <action> [ARGS] [flags]`, one Admin
// for the action, closed whatever the action does.

import { Admin } from "../client/admin.ts";
import { type FlagSpecs, parseArgs, type ParsedArgs, UsageError } from "../args/args.ts";
import { type CliRuntime, clusterOptionsOf } from "./client-flags.ts";

export interface AdminActionContext {
  rt: CliRuntime;
  admin: Admin;
  /** Every argument, the action word among the positionals. */
  args: ParsedArgs;
  /** The same flags with only the positionals after the action word. */
  sub: ParsedArgs;
}

export type AdminAction = (ctx: AdminActionContext) => Promise<void>;

export interface AdminCommand {
  name: string;
  specs: FlagSpecs;
  /** Actions by their word, in the order the usage message lists them. */
  actions: Readonly<Record<string, AdminAction>>;
}

export async function runAdminCommand(
  rt: CliRuntime,
  argv: readonly string[],
  command: AdminCommand,
): Promise<void> {
  const args = parseArgs(argv, command.specs);
  const [action, ...rest] = args.positionals;
  const sub = { ...args, positionals: rest };
  const admin = new Admin(rt, clusterOptionsOf(args));
  try {
    if (action === undefined || !Object.hasOwn(command.actions, action)) {
      throw new UsageError(
        action === undefined
          ? `${command.name} needs an action: ${listWithOr(Object.keys(command.actions))}`
          : `unknown ${command.name} action "${action}"`,
      );
    }
    await command.actions[action]({ rt, admin, args, sub });
  } finally {
    await admin.close();
  }
}

/** ["a", "b", "c"] -> "a, b or c". */
function listWithOr(words: readonly string[]): string {
  return words.length < 2
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}
