// One client connection on the server side: a read loop feeding a FrameDecoder, requests
// dispatched as they arrive (pipelining), responses written in completion order by one writer.
//
// Bounds: at most inFlightMax requests are being handled at once, and the responses the
// connection holds (estimated when a request is read, exact once encoded, until the host took
// the frame: write() resolves only once the bytes are in the host's bounded send buffer) stay
// within its own byte budget; encoded frames also count on the listener's (byte-budget.ts). The read loop waits for a
// slot and for budget before it reads on, so a client that sends faster than the broker answers,
// or does not read its responses, is held back by TCP itself.
//
// Idle connections (nothing received and no request in flight for idleMsMax) are closed.
//
// A frame that is not a well-formed envelope (undecodable CBOR, not a 4-item array, no usable
// correlation id) or that announces more than frameBytesMax gets one error frame with
// correlation id 0 and then the connection closes: after it, nothing in the stream can be
// trusted, or nothing can be answered. Everything else (op or version not an integer, unknown
// operation, unsupported version, invalid body, broker errors) is an error response and the
// connection carries on; for a one-way operation (RaftMessage) nothing is sent back, the failure
// is only counted and logged. Operations outside the listener's table (`served`) are
// UNSUPPORTED_VERSION.

import {
  type Clock,
  type Connection,
  IoErrorCode,
  isIoError,
  type TimerHandle,
  type Timers,
} from "../../../../runtime/types.ts";
import type { BrokerApi } from "../../../broker/types.ts";
import type { GroupServiceApi } from "../../../coordinator/types.ts";
import type { ControllerService, ReplicaService } from "../../../model/cluster.ts";
import { toTributaryError, TributaryError } from "../../../model/errors.ts";
import { ByteBudget, Reservation } from "./byte-budget.ts";
import {
  CORRELATION_ID_CONNECTION,
  decodeRequest,
  encodeResponseFrame,
  type RequestEnvelope,
  type WireError,
} from "../envelope.ts";
import { FrameDecoder } from "../frame.ts";
import { apiVersionsBody } from "./handlers/api-versions.ts";
import type { HandlerContext } from "./handlers/context.ts";
import { HANDLERS } from "./handlers/index.ts";
import { ONE_WAY_OPS, Op, type OpName, opName } from "../op-codes.ts";
import { OP_VERSIONS, validateRequest } from "../ops/index.ts";
import type { ServerMetrics } from "./metrics.ts";
import { isPlainMap, toSafeInteger } from "../shape.ts";
import { Slots } from "../slots.ts";
import { toWireError } from "../wire-error.ts";

export interface ServerConnectionOptions {
  broker: BrokerApi;
  serverVersion: string;
  frameBytesMax: number;
  inFlightMax: number;
  clock: Pick<Clock, "monotonicMs">;
  timers: Pick<Timers, "setTimeout">;
  metrics: ServerMetrics;
  /** Bytes of responses this connection may hold unwritten (see byte-budget.ts). */
  responseBytesMax: number;
  /** The listener's budget, shared by all its connections. */
  listenerBudget: ByteBudget;
  /** Closed after this long with nothing received and no request in flight; 0: never. */
  idleMsMax: number;
  /** Told when the connection is closed for being idle (for the rate-limited log). */
  onIdleClose?: (idleMs: number) => void;
  /** Told when the peer broke the protocol and the connection is closed over it (for the log). */
  onProtocolError?: (err: TributaryError) => void;
  /** Told about failures that point at a bug or a host problem (not peers misbehaving). */
  onUnexpectedError?: (err: unknown) => void;
  groups?: GroupServiceApi;
  replication?: ReplicaService;
  controller?: ControllerService;
  /** The operations this listener serves; others are UNSUPPORTED_VERSION. Default: all. */
  served?: readonly OpName[];
  /** Told when a one-way request (RaftMessage) is dropped, with why (for the log). */
  onOneWayDropped?: (op: OpName, error: WireError) => void;
}

export class ServerConnection {
  readonly #conn: Connection;
  readonly #options: ServerConnectionOptions;
  readonly #decoder: FrameDecoder;
  readonly #slots: Slots;
  readonly #budgets: { connection: ByteBudget; listener: ByteBudget };
  readonly #abort = new AbortController();
  /** Aborted once the connection is closed: the read loop's waits for budget end with it. */
  readonly #gone = new AbortController();
  #lastReceivedMs: number;
  #idleTimer: TimerHandle | null = null;
  readonly #ctx: HandlerContext;
  readonly #served: ReadonlySet<OpName>;
  readonly #tasks = new Set<Promise<void>>();
  #writes: Promise<void> = Promise.resolve();
  #writable = true;
  #stopping = false;
  /** Settles once reading ended, every request finished and the connection is closed. */
  readonly done: Promise<void>;

  constructor(conn: Connection, options: ServerConnectionOptions) {
    this.#conn = conn;
    this.#options = options;
    this.#decoder = new FrameDecoder({ frameBytesMax: options.frameBytesMax });
    this.#slots = new Slots(options.inFlightMax);
    this.#budgets = {
      connection: new ByteBudget(options.responseBytesMax),
      listener: options.listenerBudget,
    };
    this.#lastReceivedMs = options.clock.monotonicMs();
    const served = options.served ?? (Object.keys(Op) as OpName[]);
    this.#served = new Set(served);
    this.#ctx = {
      broker: options.broker,
      serverVersion: options.serverVersion,
      frameBytesMax: options.frameBytesMax,
      signal: this.#abort.signal,
      ...(options.groups ? { groups: options.groups } : {}),
      ...(options.replication ? { replication: options.replication } : {}),
      ...(options.controller ? { controller: options.controller } : {}),
      served,
    };
    // The read loop may be parked waiting for a slot; a peer that left must not keep its
    // fetches waiting until then.
    void conn.closed.then(() => {
      this.#idleTimer?.cancel();
      this.#gone.abort();
      this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "connection closed"));
    });
    this.#armIdleTimer(options.idleMsMax);
    this.done = this.#run();
  }

  /** Requests being handled right now. */
  get inFlight(): number {
    return this.#tasks.size;
  }

  /**
   * Server shutdown: parked fetches answer now, requests that arrive from here on are refused
   * with BROKER_SHUTTING_DOWN, and the connection closes once in-flight ones are done or
   * `finish()` is called.
   */
  stop(): void {
    this.#stopping = true;
    this.#abort.abort(new TributaryError("BROKER_SHUTTING_DOWN", "server closing"));
  }

  /** Resolves when every request accepted so far has completed. */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  /** Closes the connection now; in-flight requests still complete but their answers are lost. */
  finish(): Promise<void> {
    this.#writable = false;
    return this.#conn.close();
  }

  async #run(): Promise<void> {
    try {
      await this.#readLoop();
    } catch (err) {
      this.#unexpected(err);
    }
    // The peer is gone or sent garbage: parked fetches for it should not wait any longer.
    this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "connection ended"));
    await this.idle();
    await this.#writes;
    await this.#conn.close();
  }

  async #readLoop(): Promise<void> {
    for (;;) {
      const chunk = await this.#readChunk();
      if (chunk === null) {
        // The peer closed its side (or all of it). As in Kafka, that ends the connection: no
        // answer still owed is sent, waiting fetches included. Node's and Deno's sockets end
        // the write side by themselves here, Bun's do not; this makes them all alike.
        this.#writable = false;
        return;
      }
      this.#lastReceivedMs = this.#options.clock.monotonicMs();
      for (const payload of this.#decoder.push(chunk)) {
        await this.#slots.acquire();
        const startMs = this.#options.clock.monotonicMs();
        const envelope = this.#decode(payload);
        if (envelope === null) return;
        const bytes = responseBytesEstimate(envelope, this.#options.frameBytesMax);
        // Not this.#abort: after stop() requests are still read, to be refused with
        // BROKER_SHUTTING_DOWN.
        const reservation = await Reservation.take(this.#budgets, bytes, this.#gone.signal);
        if (reservation === null) {
          // The connection is going away; requests read after this point are not answered.
          this.#slots.release();
          return;
        }
        this.#dispatch(envelope, startMs, reservation);
      }
      const oversized = this.#decoder.error;
      if (oversized !== null) {
        await this.#sendConnectionError(oversized);
        return;
      }
    }
  }

  async #readChunk(): Promise<Uint8Array | null> {
    try {
      return await this.#conn.read();
    } catch (err) {
      // A reset while reading ends this connection like a close does; nothing to answer.
      this.#writable = false;
      if (!isPeerGone(err)) this.#unexpected(err);
      return null;
    }
  }

  /** The envelope of a request payload; null (after the connection error) when malformed. */
  #decode(payload: Uint8Array): RequestEnvelope | null {
    try {
      return decodeRequest(payload);
    } catch (err) {
      this.#slots.release();
      this.#options.metrics.requestDone("malformed", 0, toTributaryError(err).code);
      void this.#sendConnectionError(toTributaryError(err));
      return null;
    }
  }

  /** Handles one request; its slot and reservation are released once its answer was written. */
  #dispatch(envelope: RequestEnvelope, startMs: number, reservation: Reservation): void {
    const name = opName(envelope.op);
    const response = envelope.invalid === null
      ? this.#respond(name, envelope.op, envelope.version, envelope.body)
      : Promise.resolve({ error: toWireError(envelope.invalid), body: null });
    const oneWay = name !== undefined && this.#served.has(name) && ONE_WAY_OPS.has(name);
    const task = response
      .then(({ error, body }) => {
        if (!oneWay) return this.#answer(envelope.correlationId, error, body, reservation);
        // Nobody waits for an answer: a failure is dropped, counted and logged, never sent.
        if (error !== null) this.#options.onOneWayDropped?.(name, error);
        return error === null ? null : error.code;
      })
      .then((errorCode) => {
        const seconds = (this.#options.clock.monotonicMs() - startMs) / 1000;
        this.#options.metrics.requestDone(name ?? "unknown", seconds, errorCode);
      })
      .finally(() => {
        reservation.release();
        this.#slots.release();
        this.#tasks.delete(task);
        this.#lastReceivedMs = Math.max(this.#lastReceivedMs, this.#options.clock.monotonicMs());
      });
    this.#tasks.add(task);
  }

  /** Never rejects: every failure becomes an error for the response. body undefined: no response. */
  #respond(
    name: OpName | undefined,
    op: number,
    version: number,
    rawBody: unknown,
  ): Promise<{ error: WireError | null; body: unknown }> {
    try {
      if (name === undefined) {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `operation ${op} is not supported by this server`,
        );
      }
      if (!this.#served.has(name)) {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `operation ${name} (${op}) is not served on this listener`,
        );
      }
      const versions = OP_VERSIONS[name];
      if (version < versions.min || version > versions.max) {
        const error = toWireError(
          new TributaryError(
            "UNSUPPORTED_VERSION",
            `${name} v${version} is not supported; this server speaks v${versions.min}-v${versions.max}`,
          ),
        );
        const body = name === "ApiVersions" ? apiVersionsBody(this.#ctx) : null;
        return Promise.resolve({ error, body });
      }
      if (this.#stopping) {
        throw new TributaryError("BROKER_SHUTTING_DOWN", "the broker is shutting down");
      }
      const body = validateRequest(name, version, rawBody);
      const handler = HANDLERS[name] as (ctx: HandlerContext, body: unknown) => Promise<unknown>;
      return handler(this.#ctx, body).then(
        (result) => ({ error: null, body: result === null ? undefined : result }),
        (err: unknown) => ({ error: this.#errorFor(err), body: null }),
      );
    } catch (err) {
      return Promise.resolve({ error: this.#errorFor(err), body: null });
    }
  }

  /** The wire error for a failure; anything but a TributaryError is a bug worth reporting. */
  #errorFor(err: unknown): WireError {
    if (!(err instanceof TributaryError)) this.#unexpected(err);
    return toWireError(err);
  }

  // One timer per connection, re-armed for the time left rather than on every chunk.
  #armIdleTimer(delayMs: number): void {
    const idleMsMax = this.#options.idleMsMax;
    if (idleMsMax <= 0) return;
    this.#idleTimer = this.#options.timers.setTimeout(() => {
      this.#idleTimer = null;
      if (this.#abort.signal.aborted) return;
      const idleMs = this.#options.clock.monotonicMs() - this.#lastReceivedMs;
      if (this.#tasks.size > 0 || idleMs < idleMsMax) {
        this.#armIdleTimer(this.#tasks.size > 0 ? idleMsMax : idleMsMax - idleMs);
        return;
      }
      this.#options.onIdleClose?.(idleMs);
      void this.finish();
    }, delayMs);
  }

  #unexpected(err: unknown): void {
    this.#options.onUnexpectedError?.(err);
  }

  /** Writes the response (unless there is none); resolves with the error code sent, if any. */
  async #answer(
    correlationId: number,
    error: WireError | null,
    body: unknown,
    reservation: Reservation,
  ): Promise<string | null> {
    if (error === null && body === undefined) return null;
    let frame: Uint8Array;
    try {
      frame = encodeResponseFrame(correlationId, error, body);
    } catch (err) {
      // A response we cannot encode is a bug on our side; the client still gets an answer.
      this.#unexpected(err);
      error = toWireError(err);
      frame = encodeResponseFrame(correlationId, error, null);
    }
    reservation.resize(frame.byteLength);
    await this.#write(frame);
    return error === null ? null : error.code;
  }

  #sendConnectionError(err: TributaryError): Promise<void> {
    this.#options.onProtocolError?.(err);
    return this.#write(encodeResponseFrame(CORRELATION_ID_CONNECTION, toWireError(err), null));
  }

  // One writer: frames go out whole and in the order their requests completed.
  #write(frame: Uint8Array): Promise<void> {
    this.#writes = this.#writes.then(async () => {
      if (!this.#writable) return;
      try {
        await this.#conn.write(frame);
      } catch (err) {
        // The peer is gone: later answers have nowhere to go, and its fetches should stop waiting.
        this.#writable = false;
        this.#abort.abort(toTributaryError(err));
        if (!isPeerGone(err)) this.#unexpected(err);
      }
    });
    return this.#writes;
  }
}

/** Estimated response size of requests other than Fetch (exact sizes count once encoded). */
const RESPONSE_BYTES_ESTIMATE_DEFAULT = 4096;
/** Per-partition overhead of a Fetch response beside its records (names, offsets, framing). */
const FETCH_PARTITION_OVERHEAD_BYTES = 128;

/**
 * What a request's response will probably take: for ReplicaFetch and MetadataFetch their
 * maxBytes (capped at the frame limit); for Fetch, what it asks for (its maxBytes, or
 * the sum of its partitions' when smaller, capped at the frame limit); a small constant for the
 * rest. Read from the raw body, before validation: a body that fails validation gets a small
 * error response, and the reservation shrinks to it.
 */
export function responseBytesEstimate(envelope: RequestEnvelope, frameBytesMax: number): number {
  if (!isPlainMap(envelope.body)) return RESPONSE_BYTES_ESTIMATE_DEFAULT;
  const body = envelope.body;
  if (envelope.op === Op.ReplicaFetch || envelope.op === Op.MetadataFetch) {
    // One maxBytes for the whole answer (the records of every partition, or every batch).
    const maxBytes = toSafeInteger(body.maxBytes) ?? frameBytesMax;
    const estimate = Math.max(0, maxBytes) + FETCH_PARTITION_OVERHEAD_BYTES;
    return Math.max(RESPONSE_BYTES_ESTIMATE_DEFAULT, Math.min(estimate, frameBytesMax));
  }
  if (envelope.op !== Op.Fetch) return RESPONSE_BYTES_ESTIMATE_DEFAULT;
  const partitions = Array.isArray(body.partitions) ? body.partitions : [];
  let wanted = 0;
  for (const p of partitions) {
    const bytes = isPlainMap(p) ? toSafeInteger(p.maxBytes) : undefined;
    wanted += Math.max(0, bytes ?? 0) + FETCH_PARTITION_OVERHEAD_BYTES;
    if (wanted >= frameBytesMax) break;
  }
  const maxBytes = toSafeInteger(body.maxBytes) ?? frameBytesMax;
  const estimate = Math.min(Math.max(0, maxBytes) + FETCH_PARTITION_OVERHEAD_BYTES, wanted);
  return Math.max(RESPONSE_BYTES_ESTIMATE_DEFAULT, Math.min(estimate, frameBytesMax));
}

/** Resets and closes are how peers leave; anything else from the socket is worth a report. */
function isPeerGone(err: unknown): boolean {
  return isIoError(err, IoErrorCode.ConnectionReset) || isIoError(err, IoErrorCode.Closed);
}
