// The `tributary` command: picks the subcommand and turns every failure into one line on
// stderr and a non-zero exit status (2 for usage mistakes, 70 for a failed invariant, 1 for
// everything else).

import { VERSION } from "../version.ts";
import { UsageError } from "../args/args.ts";
import { type CliRuntime, io } from "./client-flags.ts";
import { clusterCommand } from "./cluster.ts";
import { consumeCommand } from "./consume.ts";
import { groupsCommand } from "./groups.ts";
import { ExitCode, reportError } from "./output.ts";
import { perfCommand } from "./perf.ts";
import { produceCommand } from "./produce.ts";
import { serveCommand } from "./serve.ts";
import { topicsCommand } from "./topics.ts";
import { usage } from "./usage.ts";

const commands: Record<string, (rt: CliRuntime, argv: readonly string[]) => Promise<void>> = {
  serve: serveCommand,
  topics: topicsCommand,
  cluster: clusterCommand,
  produce: produceCommand,
  consume: consumeCommand,
  groups: groupsCommand,
  perf: perfCommand,
};

/** Runs the CLI and returns its exit status (the caller exits with it). */
export async function runCli(rt: CliRuntime, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      await io(rt).writeStdout(usage);
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (name === "version" || name === "--version") {
      await io(rt).writeStdout(`tributary ${VERSION} (${rt.name} ${io(rt).version})\n`);
      return ExitCode.ok;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}" (try --help)`);
    if (rest.includes("--help")) {
      await io(rt).writeStdout(usage);
      return ExitCode.ok;
    }
    await command(rt, rest);
    return ExitCode.ok;
  } catch (err) {
    return reportError(rt.process, err);
  }
}
