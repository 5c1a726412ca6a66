// HostProcess.processStatus for the real hosts. On Linux /proc answers both questions: a pid is
// alive while /proc/<pid>/stat exists and its state is not zombie or dead, and field 22
// (starttime, clock ticks since boot) together with the boot id tells one process from a later
// one that got the same pid. Elsewhere (macOS, BSD) signal 0 tells liveness and nothing tells
// the start time, so a reused pid there looks alive.
import { type ProcessStatus, RuntimeIoError } from "../types.ts";

export interface ProcStatusHost {
  /** The text of a /proc file, or null when it does not exist. */
  readProcText(path: string): Promise<string | null>;
  /** kill(pid, 0): true when the process exists (also when it belongs to another user). */
  signalZero(pid: number): boolean;
}

const DEAD: ProcessStatus = { alive: false, startTime: null };

/** Fields of /proc/<pid>/stat we need; null when the text is not one. */
export function parseProcStat(text: string): { state: string; startTicks: string } | null {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ")".
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTicks = fields[19];
  if (state === undefined || startTicks === undefined || !/^\d+$/.test(startTicks)) return null;
  return { state, startTicks };
}

export function createProcessStatus(host: ProcStatusHost): (pid: number) => Promise<ProcessStatus> {
  let bootId: Promise<string | null> | undefined;
  let hasProc: Promise<boolean> | undefined;
  return async (pid) => {
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw new RuntimeIoError(
        "EINVAL",
        `processStatus: pid must be a positive integer, got ${pid}`,
      );
    }
    hasProc ??= host.readProcText("/proc/self/stat").then((text) => text !== null);
    if (!(await hasProc)) return { alive: host.signalZero(pid), startTime: null };
    const text = await host.readProcText(`/proc/${pid}/stat`);
    const stat = text === null ? null : parseProcStat(text);
    if (stat === null || stat.state === "Z" || stat.state === "X" || stat.state === "x") {
      return DEAD;
    }
    bootId ??= host.readProcText("/proc/sys/kernel/random/boot_id").then((t) => t?.trim() || null);
    const boot = await bootId;
    return {
      alive: true,
      startTime: boot === null ? stat.startTicks : `${boot}:${stat.startTicks}`,
    };
  };
}
