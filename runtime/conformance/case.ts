// The shape of one conformance case.
import type { Runtime } from "../types.ts";

export interface ConformanceCase {
  readonly name: string;
  /**
   * Talks to the runtime's HTTP server through the host's global fetch(). Real runtimes run
   * these; the simulation, which has no fetch, skips them.
   */
  readonly requiresHostFetch?: boolean;
  /** Upper bound on the case's duration on a real host (runners turn it into a timeout). */
  readonly timeoutMs?: number;
  /** Runs the case; scratchDir is an empty directory the case may fill and the runner removes. */
  run(rt: Runtime, scratchDir: string): Promise<void>;
}
