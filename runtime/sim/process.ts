// deno-lint-ignore-file require-await -- async without await is deliberate: every call settles
// as a promise, and a thrown RuntimeIoError becomes a rejection, as with the real adapters.

// The host process of a simulated node: no arguments, an environment from options, an empty
// stdin, stdout and stderr captured for assertions, signals delivered by the world, and exit()
// that throws instead of ending the test runner.

import type { HostProcess, ProcessStatus, SignalName } from "../types.ts";
import { SimProcessTable } from "./process-table.ts";

/** Thrown by exit(): the simulated process asked to end with this code. */
export class SimExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`simulated process exited with code ${code}`);
    this.name = "SimExit";
    this.code = code;
  }
}

export interface SimProcessOptions {
  env?: Readonly<Record<string, string>>;
  args?: readonly string[];
  pid: number;
  /** The host's processes, shared by processes of one simulated host (default: a table of its own). */
  table?: SimProcessTable;
  /** Writes kept per stream; older ones are dropped (default 10 000). */
  capturedWritesMax?: number;
}

export class SimProcess implements HostProcess {
  readonly args: readonly string[];
  readonly stdin: ReadableStream<Uint8Array>;
  readonly stdoutIsTerminal = false;
  readonly version = "sim";
  readonly pid: number;
  /** Everything written to stdout and stderr, decoded, one entry per write. */
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Writes dropped from the front of stdout/stderr because of capturedWritesMax. */
  droppedWrites = 0;
  readonly #env: Readonly<Record<string, string>>;
  readonly #capturedWritesMax: number;
  readonly #handlers = new Map<SignalName, Set<() => void>>();
  readonly #table: SimProcessTable;

  constructor(options: SimProcessOptions) {
    this.args = [...(options.args ?? [])];
    this.#env = { ...options.env };
    this.pid = options.pid;
    this.#table = options.table ?? new SimProcessTable();
    this.#table.start(this.pid);
    this.#capturedWritesMax = options.capturedWritesMax ?? 10_000;
    this.stdin = new ReadableStream({ start: (controller) => controller.close() });
  }

  env(name: string): string | undefined {
    return Object.hasOwn(this.#env, name) ? this.#env[name] : undefined;
  }

  async writeStdout(data: Uint8Array | string): Promise<void> {
    this.#capture(this.stdout, data);
  }

  async writeStderr(data: Uint8Array | string): Promise<void> {
    this.#capture(this.stderr, data);
  }

  onSignal(signal: SignalName, handler: () => void): () => void {
    const handlers = this.#handlers.get(signal) ?? new Set();
    handlers.add(handler);
    this.#handlers.set(signal, handlers);
    return () => handlers.delete(handler);
  }

  /** Runs the handlers registered for signal; returns how many ran. */
  deliverSignal(signal: SignalName): number {
    const handlers = [...(this.#handlers.get(signal) ?? [])];
    for (const handler of handlers) handler();
    return handlers.length;
  }

  exit(code: number): never {
    throw new SimExit(code);
  }

  #capture(lines: string[], data: Uint8Array | string): void {
    lines.push(typeof data === "string" ? data : new TextDecoder().decode(data));
    if (lines.length > this.#capturedWritesMax) {
      lines.shift();
      this.droppedWrites++;
    }
  }

  async processStatus(pid: number): Promise<ProcessStatus> {
    return this.#table.status(pid);
  }

  /** A crash ends the process: its signal handlers go with it. */
  forgetHandlers(): void {
    this.#handlers.clear();
  }

  /** A crash and restart: handlers are gone and the pid has a new start time (a reused pid). */
  restart(): void {
    this.forgetHandlers();
    this.#table.start(this.pid);
  }

  /** kill -9 without a restart: the pid is no longer alive. */
  kill(): void {
    this.forgetHandlers();
    this.#table.stop(this.pid);
  }
}
