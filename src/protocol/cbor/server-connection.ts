// One client connection on the server side: a read loop feeding a FrameDecoder, requests
// dispatched as they arrive (pipelining), responses written in completion order by one writer.
//
// Bounds: at most inFlightMax requests are being handled at once; the read loop stops reading
// while all slots are taken, so a client that sends faster than the broker answers is held back
// by TCP itself. A request's slot is freed only once its response was handed to the host, so
// a client that does not read its responses stops being read from too.
//
// A frame that is not a well-formed envelope (undecodable CBOR, not a 4-item array, no usable
// correlation id) or that announces more than frameBytesMax gets one error frame with
// correlation id 0 and then the connection closes: after it, nothing in the stream can be
// trusted, or nothing can be answered. Everything else (op or version not an integer, unknown
// operation, unsupported version, invalid body, broker errors) is an error response and the
// connection carries on.

import { type Clock, type Connection, IoErrorCode, isIoError } from "../../../runtime/types.ts";
import type { BrokerApi } from "../../broker/types.ts";
import type { GroupServiceApi } from "../../coordinator/types.ts";
import { toTributaryError, TributaryError } from "../../errors.ts";
import { decodeRequest, encodeResponseFrame } from "./envelope.ts";
import { FrameDecoder } from "./frame.ts";
import { apiVersionsBody, type HandlerContext, HANDLERS } from "./handlers.ts";
import {
  CORRELATION_ID_CONNECTION,
  OP_VERSIONS,
  type OpName,
  opName,
  type WireError,
} from "./messages.ts";
import type { ServerMetrics } from "./server-metrics.ts";
import { Slots } from "./slots.ts";
import { validateRequest } from "./validate-request.ts";
import { toWireError } from "./wire-error.ts";

export interface ServerConnectionOptions {
  broker: BrokerApi;
  serverVersion: string;
  frameBytesMax: number;
  inFlightMax: number;
  clock: Pick<Clock, "monotonicMs">;
  metrics: ServerMetrics;
  /** Told about failures that point at a bug or a host problem (not peers misbehaving). */
  onUnexpectedError?: (err: unknown) => void;
  groups?: GroupServiceApi;
}

export class ServerConnection {
  readonly #conn: Connection;
  readonly #options: ServerConnectionOptions;
  readonly #decoder: FrameDecoder;
  readonly #slots: Slots;
  readonly #abort = new AbortController();
  readonly #ctx: HandlerContext;
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
    this.#ctx = {
      broker: options.broker,
      serverVersion: options.serverVersion,
      frameBytesMax: options.frameBytesMax,
      signal: this.#abort.signal,
      ...(options.groups ? { groups: options.groups } : {}),
    };
    // The read loop may be parked waiting for a slot; a peer that left must not keep its
    // fetches waiting until then.
    void conn.closed.then(() =>
      this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "connection closed"))
    );
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
      for (const payload of this.#decoder.push(chunk)) {
        await this.#slots.acquire();
        if (!this.#dispatch(payload)) return;
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

  /** Handles one request payload; false when the connection must close (malformed envelope). */
  #dispatch(payload: Uint8Array): boolean {
    const startMs = this.#options.clock.monotonicMs();
    let envelope;
    try {
      envelope = decodeRequest(payload);
    } catch (err) {
      this.#slots.release();
      this.#options.metrics.requestDone("malformed", 0, toTributaryError(err).code);
      void this.#sendConnectionError(toTributaryError(err));
      return false;
    }
    const name = opName(envelope.op);
    const response = envelope.invalid === null
      ? this.#respond(name, envelope.op, envelope.version, envelope.body)
      : Promise.resolve({ error: toWireError(envelope.invalid), body: null });
    const task = response
      .then(({ error, body }) => this.#answer(envelope.correlationId, error, body))
      .then((errorCode) => {
        const seconds = (this.#options.clock.monotonicMs() - startMs) / 1000;
        this.#options.metrics.requestDone(name ?? "unknown", seconds, errorCode);
      })
      .finally(() => {
        this.#slots.release();
        this.#tasks.delete(task);
      });
    this.#tasks.add(task);
    return true;
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

  #unexpected(err: unknown): void {
    this.#options.onUnexpectedError?.(err);
  }

  /** Writes the response (unless there is none); resolves with the error code sent, if any. */
  async #answer(
    correlationId: number,
    error: WireError | null,
    body: unknown,
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
    await this.#write(frame);
    return error === null ? null : error.code;
  }

  #sendConnectionError(err: TributaryError): Promise<void> {
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

/** Resets and closes are how peers leave; anything else from the socket is worth a report. */
function isPeerGone(err: unknown): boolean {
  return isIoError(err, IoErrorCode.ConnectionReset) || isIoError(err, IoErrorCode.Closed);
}
