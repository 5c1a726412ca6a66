// Writing to the terminal: whole lines, errors as exactly one line on stderr.

import type { HostProcess } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import { EXIT_SOFTWARE, invariantViolationIn } from "../model/invariant.ts";
import { UsageError } from "../args/args.ts";

/** `software`: an invariant failed (a bug), as sysexits.h's EX_SOFTWARE (docs/invariants.md). */
export const ExitCode = { ok: 0, failure: 1, usage: 2, software: EXIT_SOFTWARE } as const;

/** One line describing err; never a stack trace, never more than one line. */
export function describeError(err: unknown): string {
  let text: string;
  if (err instanceof TributaryError) text = `${err.code}: ${err.message}`;
  else if (err instanceof Error) text = err.message;
  else text = String(err);
  return text.replace(/\s*[\r\n]+\s*/g, " ").slice(0, 2000);
}

export async function reportError(
  io: Pick<HostProcess, "writeStderr">,
  err: unknown,
): Promise<number> {
  await io.writeStderr(`tributary: ${describeError(err)}\n`);
  if (err instanceof UsageError) return ExitCode.usage;
  return invariantViolationIn(err) === null ? ExitCode.failure : ExitCode.software;
}

/** A JSON document on stdout, pretty-printed for people. */
export async function printJson(
  io: Pick<HostProcess, "writeStdout">,
  value: unknown,
): Promise<void> {
  await io.writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}
