// processStatus on the real hosts: /proc/<pid>/stat parsing (comm may hold spaces and
// parentheses), zombies count as exited, the boot id joins the start ticks, hosts without /proc
// fall back to kill(pid, 0); and against a real child process on this machine.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { createProcessStatus, parseProcStat } from "../../runtime/host/proc-status.ts";

// Fields 1-22 of a stat line, starttime (field 22) = 987654.
const statLine = (comm: string, state: string) =>
  `4242 (${comm}) ${state} 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50 18446744073709551615\n`;

describe("processStatus", () => {
  it("parses state and start time past a comm with spaces and parentheses", () => {
    expect(parseProcStat(statLine("my (odd) name", "S"))).toEqual({
      state: "S",
      startTicks: "987654",
    });
    expect(parseProcStat("garbage")).toBeNull();
    expect(parseProcStat("1 (x) S 1 2")).toBeNull();
  });

  it("reads /proc: alive with boot id and ticks; missing or zombie is dead", async () => {
    const files = new Map([
      ["/proc/self/stat", statLine("self", "R")],
      ["/proc/sys/kernel/random/boot_id", "b00t-1d\n"],
      ["/proc/10/stat", statLine("broker", "S")],
      ["/proc/11/stat", statLine("killed", "Z")],
    ]);
    const status = createProcessStatus({
      readProcText: (path) => Promise.resolve(files.get(path) ?? null),
      signalZero: () => {
        throw new Error("not used where /proc exists");
      },
    });
    expect(await status(10)).toEqual({ alive: true, startTime: "b00t-1d:987654" });
    expect(await status(11)).toEqual({ alive: false, startTime: null });
    expect(await status(12)).toEqual({ alive: false, startTime: null });
  });

  it("without /proc, liveness comes from signal 0 and there is no start time", async () => {
    const status = createProcessStatus({
      readProcText: () => Promise.resolve(null),
      signalZero: (pid) => pid === 10,
    });
    expect(await status(10)).toEqual({ alive: true, startTime: null });
    expect(await status(11)).toEqual({ alive: false, startTime: null });
  });

  it("sees a real child alive with a start time, and dead once it exited", async () => {
    const rt = createNodeRuntime();
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const pid = child.pid as number;
      const alive = await rt.process.processStatus(pid);
      expect(alive.alive).toBe(true);
      expect(alive.startTime).not.toBeNull();
      expect(alive.startTime).not.toBe((await rt.process.processStatus(process.pid)).startTime);
      child.kill("SIGKILL");
      await exited;
      expect(await rt.process.processStatus(pid)).toEqual({ alive: false, startTime: null });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
