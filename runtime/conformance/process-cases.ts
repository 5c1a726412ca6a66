// The host process: arguments, environment, standard streams and signals.
import type { ConformanceCase } from "./case.ts";
import { IoErrorCode } from "../types.ts";
import { check, checkEqual, checkIoError } from "./check.ts";

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

const processStatus: ConformanceCase = {
  name: "process: processStatus sees this process alive with a stable start time",
  async run(rt) {
    const p = rt.process;
    const first = await p.processStatus(p.pid);
    const again = await p.processStatus(p.pid);
    check(first.alive, "this process is alive");
    checkEqual(again.startTime, first.startTime, "start time is stable");
    check(first.startTime === null || first.startTime.length > 0, "start time token");
    // Above every host's pid_max (Linux: at most 2^22), so no process can have it.
    const unused = await p.processStatus(2 ** 30);
    check(!unused.alive, "an unused pid is not alive");
    checkEqual(unused.startTime, null, "no start time for an unused pid");
    for (const bad of [0, -1, 1.5]) {
      await checkIoError(() => p.processStatus(bad), IoErrorCode.Invalid, `pid ${bad}`);
    }
  },
};

export const processCases: readonly ConformanceCase[] = [hostProcess, processStatus];
