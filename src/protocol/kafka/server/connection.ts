// One Kafka client connection: frames in, responses out in request order. Requests are handled
// one at a time, as Kafka's broker does (it reads no further request from a connection until
// the previous one is answered), which also keeps pipelined produces to a partition in order;
// up to inFlightMax received frames wait their turn, and reading pauses beyond that.
//
// The connection closes (and only this one) on a malformed frame or request, an unsupported
// API or version (except ApiVersions, dispatch.ts), or a handler failure; each gets a log line
// through the listener's rate-limited log. Idle connections close after idleMsMax.

import type { Connection, TimerHandle, Timers } from "../../../../runtime/types.ts";
import { IoErrorCode, isIoError } from "../../../../runtime/types.ts";
import { TributaryError } from "../../../model/errors.ts";
import type { LogFields } from "../../../logging/logger.ts";
import { FrameReader } from "../frame.ts";
import { peekRequestIds } from "../header.ts";
import type { KafkaContext } from "./context.ts";
import { dispatch } from "./dispatch.ts";

export interface KafkaConnectionOptions {
  ctx: KafkaContext;
  requestBytesMax: number;
  inFlightMax: number;
  /** 0: never closed for idleness. */
  idleMsMax: number;
  timers: Timers;
  /** Why this connection is being closed (the listener logs it, rate-limited). */
  onClose(event: string, message: string, fields: LogFields): void;
  onUnexpectedError?: (err: unknown) => void;
}

export class KafkaConnection {
  readonly done: Promise<void>;
  readonly #conn: Connection;
  readonly #o: KafkaConnectionOptions;
  readonly #remote: string;
  #queued = 0;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  #stopped = false;
  #wake: (() => void) | null = null;
  #idleTimer: TimerHandle | null = null;
  readonly #abort = new AbortController();

  constructor(conn: Connection, options: KafkaConnectionOptions) {
    this.#conn = conn;
    this.#o = options;
    this.#remote = `${conn.remoteAddress}:${conn.remotePort}`;
    this.#armIdle();
    this.done = this.#run();
  }

  /** An abort signal for waits inside handlers (long fetches): fires when the connection goes. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Stops taking new requests; the ones received are still answered. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Resolves once every received request is answered. */
  idle(): Promise<void> {
    return this.#tail;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#idleTimer?.cancel();
    this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "connection closed"));
    this.#wake?.();
    await this.#conn.close();
  }

  async #run(): Promise<void> {
    const frames = new FrameReader(this.#o.requestBytesMax);
    try {
      while (!this.#closed && !this.#stopped) {
        const chunk = await this.#conn.read();
        if (chunk === null) {
          // The client is gone: nobody will read the answers still owed, so waits inside
          // handlers (a JoinGroup held for a rebalance, a long fetch) end now rather than
          // holding the queue until they time out.
          this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "the client closed"));
          break;
        }
        this.#armIdle();
        for (const frame of frames.push(chunk)) this.#enqueue(frame);
        if (frames.error !== null) {
          this.#reject("kafka.frame_rejected", frames.error.message, {});
          break;
        }
        // Bounded: waits only while inFlightMax frames are queued; each answer wakes it.
        while (this.#queued >= this.#o.inFlightMax && !this.#closed && !this.#stopped) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = null;
        }
      }
    } catch (err) {
      if (!isGone(err)) this.#o.onUnexpectedError?.(err);
      this.#abort.abort(new TributaryError("NETWORK_EXCEPTION", "connection failed"));
    }
    await this.#tail;
    await this.close();
  }

  #enqueue(frame: Uint8Array): void {
    this.#queued++;
    this.#tail = this.#tail.then(() => this.#answer(frame)).catch((err: unknown) => {
      this.#o.onUnexpectedError?.(err);
    }).finally(() => {
      this.#queued--;
      this.#wake?.();
    });
  }

  async #answer(frame: Uint8Array): Promise<void> {
    if (this.#closed) return;
    const ids = peekRequestIds(frame);
    const fields: LogFields = ids === null ? {} : {
      apiKey: ids.apiKey,
      apiVersion: ids.apiVersion,
      correlationId: ids.correlationId,
    };
    try {
      const result = await dispatch({ ...this.#o.ctx, signal: this.signal }, frame);
      if (result.kind === "unsupported") {
        this.#reject(
          "kafka.unsupported_version",
          `API key ${result.request.apiKey} version ${result.request.apiVersion} is not served`,
          fields,
        );
        return;
      }
      if (result.frame !== null && !this.#closed) await this.#conn.write(result.frame);
    } catch (err) {
      if (isGone(err)) {
        await this.close();
        return;
      }
      const expected = err instanceof TributaryError;
      if (!expected) this.#o.onUnexpectedError?.(err);
      const message = err instanceof Error ? err.message : String(err);
      this.#reject(expected ? "kafka.request_rejected" : "kafka.request_failed", message, {
        ...fields,
        ...(expected ? { code: err.code } : {}),
      });
    }
  }

  #reject(event: string, message: string, fields: LogFields): void {
    if (this.#closed) return;
    this.#o.onClose(event, message, { remote: this.#remote, ...fields });
    void this.close();
  }

  #armIdle(): void {
    if (this.#o.idleMsMax <= 0 || this.#closed) return;
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#o.timers.setTimeout(() => {
      if (this.#queued > 0) return this.#armIdle();
      this.#o.onClose("connection.idle_closed", "idle connection closed", {
        remote: this.#remote,
        idleMs: this.#o.idleMsMax,
      });
      void this.close();
    }, this.#o.idleMsMax);
  }
}

function isGone(err: unknown): boolean {
  return isIoError(err, IoErrorCode.Closed) || isIoError(err, IoErrorCode.ConnectionReset);
}
