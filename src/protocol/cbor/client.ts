// A pipelined client for the CBOR-over-TCP protocol: one connection, many requests in flight,
// responses matched by correlation id. Requests are written in call order, so produce requests
// for one partition issued in order on one client reach the broker in that order.
//
// Failures are always TributaryError: the server's error object mapped by code, or
// NETWORK_EXCEPTION (connection lost; every pending request fails with it) and
// REQUEST_TIMED_OUT (no response in time; a late response is then ignored).

import type { Connection, Runtime } from "../../../runtime/types.ts";
import { assert, toTributaryError, TributaryError } from "../../model/errors.ts";
import {
  CORRELATION_ID_CONNECTION,
  CORRELATION_ID_MAX,
  decodeResponse,
  encodeRequestFrame,
} from "./envelope.ts";
import { FRAME_BYTES_MAX_DEFAULT, FRAME_HEADER_BYTES, FrameDecoder } from "./frame.ts";
import { ONE_WAY_OPS, Op, type OpName } from "./op-codes.ts";
import type { ApiVersionsResponse } from "./ops/api-versions.ts";
import { OP_VERSIONS, type RequestBody, type ResponseBody, validateResponse } from "./ops/index.ts";
import { fromWireError } from "./wire-error.ts";
import { Slots } from "./slots.ts";
import { VERSION } from "../../version.ts";

export interface ProtocolClientOptions {
  host: string;
  port: number;
  /** Sent in the handshake; shows up in the broker's logs. */
  clientId?: string;
  /** Client software version sent in the handshake. */
  clientVersion?: string;
  /** Per-request deadline, including the wait for an in-flight slot. Default 30 s. */
  requestTimeoutMs?: number;
  /** Connection attempt deadline. Default 10 s. */
  connectTimeoutMs?: number;
  /** Largest response payload accepted. Default FRAME_BYTES_MAX_DEFAULT. */
  frameBytesMax?: number;
  /** Requests awaiting a response at once; further ones wait for a slot. Default 64. */
  inFlightMax?: number;
}

interface Pending {
  op: OpName;
  resolve(body: unknown): void;
  reject(err: TributaryError): void;
}

const REQUEST_TIMEOUT_MS_DEFAULT = 30_000;
const CONNECT_TIMEOUT_MS_DEFAULT = 10_000;
const IN_FLIGHT_MAX_DEFAULT = 64;

export class ProtocolClient {
  readonly #rt: Pick<Runtime, "net" | "timers" | "clock">;
  readonly #conn: Connection;
  readonly #decoder: FrameDecoder;
  readonly #slots: Slots;
  readonly #pending = new Map<number, Pending>();
  readonly #requestTimeoutMs: number;
  readonly #closed: Promise<void>;
  #markClosed!: () => void;
  #writes: Promise<void> = Promise.resolve();
  #nextCorrelationId = 1;
  #failure: TributaryError | null = null;
  #server: ApiVersionsResponse | null = null;

  private constructor(
    rt: Pick<Runtime, "net" | "timers" | "clock">,
    conn: Connection,
    options: ProtocolClientOptions,
  ) {
    this.#rt = rt;
    this.#conn = conn;
    this.#decoder = new FrameDecoder({
      frameBytesMax: options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT,
    });
    this.#slots = new Slots(options.inFlightMax ?? IN_FLIGHT_MAX_DEFAULT);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    assert(this.#requestTimeoutMs > 0, "requestTimeoutMs must be positive");
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  /** Connects and performs the ApiVersions handshake; NETWORK_EXCEPTION when unreachable. */
  static async connect(
    rt: Pick<Runtime, "net" | "timers" | "clock">,
    options: ProtocolClientOptions,
  ): Promise<ProtocolClient> {
    let conn: Connection;
    try {
      const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
      conn = await rt.net.connect({ host: options.host, port: options.port, timeoutMs });
    } catch (err) {
      const where = `${options.host}:${options.port}`;
      throw new TributaryError(
        "NETWORK_EXCEPTION",
        `cannot connect to ${where}: ${messageOf(err)}`,
        {
          cause: err,
        },
      );
    }
    const client = new ProtocolClient(rt, conn, options);
    void client.#readLoop();
    try {
      client.#server = await client.request("ApiVersions", {
        clientId: options.clientId ?? "tributary-ts",
        clientVersion: options.clientVersion ?? VERSION,
      });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** What the broker said in the handshake (node id, version, supported operations). */
  get server(): ApiVersionsResponse {
    assert(this.#server !== null, "handshake not done");
    return this.#server;
  }

  /** Resolves once the connection is closed, by either side. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Requests sent and not yet answered (or timed out). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends one request and resolves with its response body. The deadline is requestTimeoutMs
   * (or options.timeoutMs) plus, for Fetch, its maxWaitMs and, for Produce, its timeoutMs.
   */
  async request<K extends OpName>(
    op: K,
    body: RequestBody<K>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResponseBody<K>> {
    const timeoutMs = (options.timeoutMs ?? this.#requestTimeoutMs) + serverWaitMs(op, body);
    const deadline = new Deadline();
    const timer = this.#rt.timers.setTimeout(() => deadline.expire(), timeoutMs);
    try {
      await this.#acquireSlot(op, timeoutMs, deadline);
      try {
        return await this.#exchange(op, body, timeoutMs, deadline);
      } finally {
        this.#slots.release();
      }
    } finally {
      timer.cancel();
    }
  }

  /**
   * Sends a request the broker does not answer (Produce with acks 0, RaftMessage) and resolves
   * once the bytes are handed to the host. Errors on the broker side are not reported back.
   */
  async send<K extends OpName>(op: K, body: RequestBody<K>): Promise<void> {
    const unanswered = ONE_WAY_OPS.has(op) ||
      (op === "Produce" && (body as RequestBody<"Produce">).acks === 0);
    if (!unanswered) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `send() is only for Produce with acks 0 and one-way operations, not ${op}`,
      );
    }
    this.#throwIfFailed();
    const frame = this.#frameFor(op, body, this.#allocateCorrelationId());
    await this.#write(frame);
  }

  /** Closes the connection; pending requests fail with NETWORK_EXCEPTION. Idempotent. */
  async close(): Promise<void> {
    this.#fail(new TributaryError("NETWORK_EXCEPTION", "client closed"));
    await this.#conn.close();
    await this.#closed;
  }

  async #acquireSlot(op: OpName, timeoutMs: number, deadline: Deadline): Promise<void> {
    this.#throwIfFailed();
    // Awaited either way, so a free slot takes the same turn as before this fast path.
    const acquired =
      await (deadline.expired
        ? false
        : this.#slots.tryAcquire() || this.#slots.acquire(deadline.signal));
    if (!acquired) {
      throw new TributaryError(
        "REQUEST_TIMED_OUT",
        `${op}: no in-flight slot within ${timeoutMs} ms`,
      );
    }
  }

  #exchange<K extends OpName>(
    op: K,
    body: RequestBody<K>,
    timeoutMs: number,
    deadline: Deadline,
  ): Promise<ResponseBody<K>> {
    this.#throwIfFailed();
    const correlationId = this.#allocateCorrelationId();
    const frame = this.#frameFor(op, body, correlationId);
    return new Promise<ResponseBody<K>>((resolve, reject) => {
      const onTimeout = () => {
        this.#pending.delete(correlationId);
        reject(
          new TributaryError("REQUEST_TIMED_OUT", `${op}: no response within ${timeoutMs} ms`),
        );
      };
      if (deadline.expired) return onTimeout();
      deadline.onExpire = onTimeout;
      this.#pending.set(correlationId, {
        op,
        resolve: (value) => {
          deadline.onExpire = null;
          resolve(value as ResponseBody<K>);
        },
        reject: (err) => {
          deadline.onExpire = null;
          reject(err);
        },
      });
      this.#write(frame).catch((err: unknown) =>
        this.#pending.get(correlationId)?.reject(toTributaryError(err))
      );
    });
  }

  #frameFor(op: OpName, body: unknown, correlationId: number): Uint8Array {
    const version = this.#versionFor(op);
    const frame = encodeRequestFrame(Op[op], version, correlationId, body);
    const limit = this.#server?.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    if (frame.byteLength - FRAME_HEADER_BYTES > limit) {
      throw new TributaryError(
        "PAYLOAD_TOO_LARGE",
        `${op} request of ${frame.byteLength} bytes exceeds the broker's frame limit of ${limit}`,
      );
    }
    return frame;
  }

  /** Highest version both sides support; this client speaks exactly OP_VERSIONS. */
  #versionFor(op: OpName): number {
    const ours = OP_VERSIONS[op];
    if (this.#server === null) return ours.max;
    const theirs = this.#server.apis.find((api) => api.op === Op[op]);
    const version = Math.min(ours.max, theirs?.maxVersion ?? -1);
    if (theirs === undefined || version < Math.max(ours.min, theirs.minVersion)) {
      throw new TributaryError(
        "UNSUPPORTED_VERSION",
        `the broker does not support ${op} v${ours.min}-${ours.max}`,
      );
    }
    return version;
  }

  #allocateCorrelationId(): number {
    for (let attempt = 0; attempt <= this.#pending.size; attempt++) {
      const id = this.#nextCorrelationId;
      this.#nextCorrelationId = id === CORRELATION_ID_MAX ? 1 : id + 1;
      if (!this.#pending.has(id)) return id;
    }
    throw new TributaryError("UNKNOWN_SERVER_ERROR", "no free correlation id");
  }

  // Writes are chained so frames leave in call order even if the host interleaved writes.
  #write(frame: Uint8Array): Promise<void> {
    const written = this.#writes.then(() => this.#conn.write(frame));
    this.#writes = written.catch((err: unknown) => {
      this.#fail(
        new TributaryError("NETWORK_EXCEPTION", `write failed: ${messageOf(err)}`, { cause: err }),
      );
    });
    return written.catch((err: unknown) => {
      throw new TributaryError("NETWORK_EXCEPTION", `write failed: ${messageOf(err)}`, {
        cause: err,
      });
    });
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#conn.read();
        if (chunk === null) {
          this.#fail(new TributaryError("NETWORK_EXCEPTION", "connection closed by the broker"));
          break;
        }
        for (const payload of this.#decoder.push(chunk)) this.#onResponse(payload);
        if (this.#decoder.error !== null) throw this.#decoder.error;
        if (this.#failure !== null) break;
      }
    } catch (err) {
      const failure = toTributaryError(err);
      const code = failure.code === "PAYLOAD_TOO_LARGE" || failure.code === "UNKNOWN_SERVER_ERROR"
        ? failure.code
        : "NETWORK_EXCEPTION";
      this.#fail(new TributaryError(code, `connection failed: ${failure.message}`, { cause: err }));
    }
    await this.#conn.close();
    this.#markClosed();
  }

  #onResponse(payload: Uint8Array): void {
    const response = decodeResponse(payload);
    if (response.correlationId === CORRELATION_ID_CONNECTION) {
      const wire = response.error ??
        { code: "UNKNOWN_SERVER_ERROR", message: "connection error", retriable: false };
      this.#fail(fromWireError(wire));
      return;
    }
    const pending = this.#pending.get(response.correlationId);
    if (pending === undefined) return; // timed out already; the late answer has no taker
    this.#pending.delete(response.correlationId);
    if (response.error !== null) {
      pending.reject(fromWireError(response.error));
      return;
    }
    try {
      pending.resolve(validateResponse(pending.op, response.body));
    } catch (err) {
      pending.reject(toTributaryError(err));
    }
  }

  #fail(failure: TributaryError): void {
    if (this.#failure === null) this.#failure = failure;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(this.#failure);
    void this.#conn.close();
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) {
      const reason = this.#failure.message;
      throw new TributaryError("NETWORK_EXCEPTION", `connection is closed (${reason})`, {
        cause: this.#failure,
      });
    }
  }
}

/**
 * One request's deadline. An AbortSignal is made only for a request that must wait for an
 * in-flight slot: most never do, and a signal with its listener per request showed in profiles.
 */
class Deadline {
  expired = false;
  /** Called once when the deadline passes (the response wait sets it). */
  onExpire: (() => void) | null = null;
  #controller: AbortController | null = null;

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  expire(): void {
    this.expired = true;
    this.#controller?.abort();
    const onExpire = this.onExpire;
    this.onExpire = null;
    onExpire?.();
  }
}

function serverWaitMs(op: OpName, body: unknown): number {
  if (op === "Fetch") return (body as RequestBody<"Fetch">).maxWaitMs;
  if (op === "Produce") return (body as RequestBody<"Produce">).timeoutMs;
  if (op === "ReplicaFetch") return (body as RequestBody<"ReplicaFetch">).maxWaitMs;
  if (op === "MetadataFetch") return (body as RequestBody<"MetadataFetch">).maxWaitMs;
  return 0;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
