// The one seam between Tributary's core (src/) and the host it runs on.
//
// Everything that touches the outside world or makes a run non-reproducible goes through here:
// files, sockets, HTTP serving, clocks, timers, randomness, process arguments and signals.
// src/ receives a Runtime (or the slice it needs) and never reaches for a host global, so the
// same log, broker and group code runs under Node, Deno, Bun and the seeded simulation.
//
// Conventions:
// - Sizes and positions are byte counts as plain numbers (files stay far below 2^53 bytes).
// - Every failure from the host is rethrown as a RuntimeIoError with a code from IoErrorCode,
//   so callers branch on codes, never on host-specific message text.

export type RuntimeName = "node" | "deno" | "bun" | "sim";

export interface Runtime {
  readonly name: RuntimeName;
  readonly fs: FileSystem;
  readonly net: Network;
  readonly http: HttpServing;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly process: HostProcess;
}

// ---------------------------------------------------------------------------------------------
// Errors

export const IoErrorCode = {
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  NotADirectory: "ENOTDIR",
  IsADirectory: "EISDIR",
  NotEmpty: "ENOTEMPTY",
  PermissionDenied: "EACCES",
  AddressInUse: "EADDRINUSE",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  TimedOut: "ETIMEDOUT",
  Closed: "ECLOSED",
  NoSpace: "ENOSPC",
  /** A path component longer than the host allows (NAME_MAX, 255 bytes on Linux and macOS). */
  NameTooLong: "ENAMETOOLONG",
  /** The process (EMFILE) or the system (ENFILE) has no file descriptor left. */
  TooManyOpenFiles: "EMFILE",
  Io: "EIO",
  Invalid: "EINVAL",
} as const;
export type IoErrorCode = (typeof IoErrorCode)[keyof typeof IoErrorCode];

export class RuntimeIoError extends Error {
  readonly code: IoErrorCode;
  constructor(code: IoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RuntimeIoError";
    this.code = code;
  }
}

export function isIoError(err: unknown, code?: IoErrorCode): err is RuntimeIoError {
  return err instanceof RuntimeIoError && (code === undefined || err.code === code);
}

// ---------------------------------------------------------------------------------------------
// Files

export interface OpenOptions {
  /** Create the file when missing (default false). */
  create?: boolean;
  /** Fail with EEXIST when the file already exists (implies create). */
  exclusive?: boolean;
  /** Truncate to zero length on open (default false). */
  truncate?: boolean;
  /** Open for writing as well as reading (default false: read-only). */
  write?: boolean;
}

export interface FileHandle {
  readonly path: string;
  /**
   * Reads up to buf.length bytes at position into buf; returns the count read, which is less
   * than buf.length only at end of file.
   */
  readAt(buf: Uint8Array, position: number): Promise<number>;
  /** Writes all of data at position (never a short write). */
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /** Writes all of data at the current end of file and returns the position it was written at. */
  append(data: Uint8Array): Promise<number>;
  truncate(size: number): Promise<void>;
  size(): Promise<number>;
  /** Makes every write so far durable (fdatasync); after it, a crash cannot lose them. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
}

export interface FileSystem {
  open(path: string, options?: OpenOptions): Promise<FileHandle>;
  /** Whole-file read; convenience for small files (configs, checkpoints). */
  readFile(path: string): Promise<Uint8Array>;
  /** mkdir -p: creates missing parents, succeeds when the directory exists. */
  mkdirp(path: string): Promise<void>;
  list(path: string): Promise<DirEntry[]>;
  /** Atomic replace: after a crash the destination holds either the old or the new file. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or (with recursive) a directory tree; missing paths are not an error. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** fsync of a directory: makes creations, renames and removals inside it durable. */
  syncDir(path: string): Promise<void>;
  /** A fresh, empty directory for scratch use (tests, benchmarks). */
  makeTempDir(prefix: string): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// TCP

export interface ListenOptions {
  host: string;
  /** 0 picks a free port; the chosen one is Listener.port. */
  port: number;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Connection attempt deadline; default: the host's own. */
  timeoutMs?: number;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting; open connections are left to their owners. */
  close(): Promise<void>;
}

/**
 * A byte stream with backpressure in both directions: the host stops reading from the socket
 * while nobody calls read(), and write() resolves only once the data is accepted by a bounded
 * send buffer.
 */
export interface Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The next chunk received, or null at end of stream (peer closed or connection reset). */
  read(): Promise<Uint8Array | null>;
  /**
   * Queues data for sending. Resolves when the host accepted it (not when the peer got it);
   * rejects with ECLOSED/ECONNRESET once the connection is gone. The caller may reuse data
   * after the promise resolves.
   */
  write(data: Uint8Array): Promise<void>;
  /** Half-polite close: flushes queued writes, then closes both directions. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the connection is fully closed, by either side. */
  readonly closed: Promise<void>;
}

export interface Network {
  listen(options: ListenOptions, onConnection: (conn: Connection) => void): Promise<Listener>;
  connect(options: ConnectOptions): Promise<Connection>;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Connection limits are the host's to enforce; every adapter enforces all of them (Node through
 * node:http, Deno and Bun through runtime/host/http1; docs/http.md "Connections"). Unset: the
 * host's own defaults.
 */
export interface ServeOptions {
  host: string;
  port: number;
  fetch: FetchHandler;
  /**
   * A keep-alive connection with no request in flight and nothing being sent for this long is
   * closed; 0: never. A long poll or an event stream in progress is not idle.
   */
  idleTimeoutMs?: number;
  /**
   * A request whose headers are not complete this long after the connection was accepted (its
   * first request) or after its first byte (later ones) is answered 408 and closed (slowloris).
   */
  headersTimeoutMs?: number;
  /** Connections open at once; beyond it new ones get a 503 and are closed on accept. */
  connectionsMax?: number;
  /** The same, counted per remote address (max.connections.per.ip). */
  connectionsPerIpMax?: number;
  /** Told about each connection refused over a cap (for the server's log). */
  onRefused?: (refusal: ConnectionRefusal) => void;
}

export interface ConnectionRefusal {
  /** address:port of the refused peer. */
  readonly remote: string;
  readonly limit: "max.connections" | "max.connections.per.ip";
  /** What the peer was told, e.g. "127.0.0.1 has 20 connections (max.connections.per.ip=20)". */
  readonly reason: string;
}

export interface HttpServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting and closes idle connections; in-flight requests are allowed to finish. */
  close(): Promise<void>;
}

export interface HttpServing {
  serve(options: ServeOptions): Promise<HttpServer>;
}

// ---------------------------------------------------------------------------------------------
// Time

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (record timestamps, retention). */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin, fractional (durations, deadlines). */
  monotonicMs(): number;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Runs fn once after delayMs (0 allowed). The handle cancels it; cancelling twice is fine. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Resolves after delayMs, or rejects with signal.reason when signal aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Randomness

export interface Random {
  /** Uniform integer in [0, 2^32). */
  u32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fills and returns a new array of n random bytes. */
  bytes(n: number): Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Host process: arguments, environment, standard streams, signals

export type SignalName = "SIGINT" | "SIGTERM";

/** What the host knows of a process by its pid (for pid files such as a data directory lock). */
export interface ProcessStatus {
  /** False once the process has exited; a zombie (exited, not yet reaped) counts as exited. */
  alive: boolean;
  /**
   * An opaque token for when the process started (on Linux the boot id and /proc/<pid>/stat
   * starttime); null when the process is not alive or the host cannot tell. A live pid with
   * another token than the one recorded earlier is a reused pid.
   */
  startTime: string | null;
}

export interface HostProcess {
  /** Arguments after the script name. */
  readonly args: readonly string[];
  env(name: string): string | undefined;
  readonly stdin: ReadableStream<Uint8Array>;
  writeStdout(data: Uint8Array | string): Promise<void>;
  writeStderr(data: Uint8Array | string): Promise<void>;
  readonly stdoutIsTerminal: boolean;
  /** Registers a handler; returns a function that unregisters it. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  exit(code: number): never;
  /** Host version string, e.g. "v20.20.2" for Node, "2.9.6" for Deno. */
  readonly version: string;
  readonly pid: number;
  /** Whether process pid runs on this host, and since when; EINVAL unless pid is a positive integer. */
  processStatus(pid: number): Promise<ProcessStatus>;
}
