// The processes running on one simulated host, for HostProcess.processStatus: pids with the
// start time of their current incarnation. A crash restarts a node's process under the same pid
// with a new start time, as a reused pid looks on a real host.
import { type ProcessStatus, RuntimeIoError } from "../types.ts";

export class SimProcessTable {
  readonly #startTimes = new Map<number, string>();
  #starts = 0;

  /** Starts (or restarts) the process pid; returns its new start time. */
  start(pid: number): string {
    const startTime = `sim-start-${++this.#starts}`;
    this.#startTimes.set(pid, startTime);
    return startTime;
  }

  /** The process pid ends (kill -9, crash): it is no longer alive. */
  stop(pid: number): void {
    this.#startTimes.delete(pid);
  }

  status(pid: number): ProcessStatus {
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw new RuntimeIoError(
        "EINVAL",
        `processStatus: pid must be a positive integer, got ${pid}`,
      );
    }
    const startTime = this.#startTimes.get(pid);
    return startTime === undefined ? { alive: false, startTime: null } : { alive: true, startTime };
  }
}
