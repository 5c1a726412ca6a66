// The host process: arguments, environment, standard streams and signals.
import type { ConformanceCase } from "./case.ts";
import { check, checkEqual } from "./check.ts";

const hostProcess: ConformanceCase = {
  name: "process: arguments, environment, pid and version are well-formed",
  async run(rt) {
    const p = rt.process;
    check(Array.isArray(p.args) && p.args.every((a) => typeof a === "string"), "args are strings");
    checkEqual(p.env("TRIBUTARY_CONFORMANCE_SURELY_UNSET"), undefined, "unset variable");
    check(Number.isInteger(p.pid) && p.pid > 0, `pid ${p.pid}`);
    check(typeof p.version === "string" && p.version.length > 0, "version");
    check(typeof p.stdoutIsTerminal === "boolean", "stdoutIsTerminal");
    const off = p.onSignal("SIGTERM", () => {});
    off();
    await p.writeStdout(new Uint8Array(0));
  },
};

export const processCases: readonly ConformanceCase[] = [hostProcess];
