// Forwarding (docs/http.md, "Forwarding"): a request about a partition this broker does not lead,
// or a group it does not coordinate, goes on to the broker that does, over that broker's HTTP
// listener, and its answer comes back unchanged: status, the headers a client acts on, and the
// body streamed through (long polls and SSE included, so nothing is buffered here but the request
// body, bounded as for local requests).
//
// A forwarded request carries `tributary-forwarded-by: <nodeId>` and is never forwarded again:
// the receiver answers from its own state (a NOT_LEADER_OR_FOLLOWER while metadata is settling),
// so stale metadata on two brokers cannot bounce a request between them. Only addresses of the
// brokers in this broker's metadata are ever contacted.
//
// Time is bounded by a stall timer: the answer must start within timeoutMs plus the wait the
// request asked for (timeoutMs of a long poll), and a streamed body must deliver a chunk within
// timeoutMs plus the SSE heartbeat. The client going away, the body being cancelled or the server
// shutting down aborts the forwarded request at once.

import type { TimerHandle, Timers } from "../../runtime/types.ts";
import type { BrokerApi } from "../broker/types.ts";
import type { ErrorCodeName } from "../model/errors.ts";
import { isErrorCode, TributaryError } from "../model/errors.ts";
import { readStreamBounded } from "../log/read-bounded.ts";
import { decodeCbor, encodeResponse, readBodyBounded } from "./codec.ts";
import { CBOR_TYPE, mediaType } from "./media-type.ts";
import { httpBaseUrl } from "./forward-targets.ts";

export const FORWARDED_BY_HEADER = "tributary-forwarded-by";
export const FORWARD_TIMEOUT_MS_DEFAULT = 30_000;

/** Request headers the receiver needs to answer as this broker would. */
const REQUEST_HEADERS = ["content-type", "accept", "last-event-id"] as const;
/** Response headers a client acts on; the rest (date, connection, length) are hop-by-hop here. */
const RESPONSE_HEADERS = [
  "content-type",
  "cache-control",
  "retry-after",
  "x-accel-buffering",
  "location",
] as const;

/** Sends one request (web-standard fetch by default). */
export type ForwardFetch = (request: Request) => Promise<Response>;

export interface ForwarderOptions {
  broker: Pick<BrokerApi, "metadata">;
  nodeId: number;
  timers: Timers;
  fetch: ForwardFetch;
  timeoutMs: number;
  bodyBytesMax: number;
  fetchWaitMsMax: number;
  sseHeartbeatMs: number;
  shutdownSignal: AbortSignal | undefined;
  /** Base URL of the partition's leader when another broker leads it; null: serve here. */
  forwardTarget(topic: string, partition: number): string | null;
  /** Base URL of the group's coordinator when it is another broker; null: serve here. */
  coordinatorTarget(groupId: string): string | null;
  /** Told when a target broker could not be reached or timed out (to log it). */
  onFailure?: (target: string, why: ForwardFailure) => void;
}

export type ForwardFailure = "timeout" | "unreachable";

export class Forwarder {
  readonly #o: ForwarderOptions;

  constructor(options: ForwarderOptions) {
    this.#o = options;
  }

  /** Where the request about this partition goes; null when it is served here. */
  partitionTarget(request: Request, topic: string, partition: number): string | null {
    return isForwarded(request) ? null : this.#o.forwardTarget(topic, partition);
  }

  groupTarget(request: Request, groupId: string): string | null {
    return isForwarded(request) ? null : this.#o.coordinatorTarget(groupId);
  }

  /**
   * Sends the request as it came (method, path, query, body) to the broker at baseUrl and
   * answers what it answers. Failing to reach it is `unavailable` (503, retriable).
   */
  async relay(request: Request, baseUrl: string, unavailable: ErrorCodeName): Promise<Response> {
    const incoming = new URL(request.url);
    const headers = new Headers();
    for (const name of REQUEST_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const body = hasBody ? await readBodyBounded(request, this.#o.bodyBytesMax) : null;
    const waitMs = requestedWaitMs(incoming, this.#o.fetchWaitMsMax);
    return await this.#exchange(request, {
      url: this.#targetUrl(baseUrl, incoming.pathname + incoming.search, unavailable),
      method: request.method,
      headers,
      body,
      waitMs,
      unavailable,
    });
  }

  /**
   * Sends a request this broker composed (a produce split by partition) and answers the decoded
   * CBOR answer; an error answer is thrown as the TributaryError it names.
   */
  async call(
    request: Request,
    baseUrl: string,
    init: { method: string; path: string; body: unknown; rawContentType?: string },
    unavailable: ErrorCodeName,
  ): Promise<unknown> {
    // A raw body (rawContentType) goes as it is; anything else as CBOR.
    const raw = init.rawContentType !== undefined && init.body instanceof Uint8Array;
    const headers = new Headers({
      "content-type": raw ? init.rawContentType! : CBOR_TYPE,
      accept: CBOR_TYPE,
    });
    const response = await this.#exchange(request, {
      url: this.#targetUrl(baseUrl, init.path, unavailable),
      method: init.method,
      headers,
      body: raw ? init.body as Uint8Array : encodeResponse(init.body, "cbor") as Uint8Array,
      waitMs: 0,
      unavailable,
    });
    const bytes = response.body === null ? new Uint8Array(0) : await readStreamBounded(
      response.body.getReader(),
      {
        bytesMax: this.#o.bodyBytesMax,
        tooLarge: () =>
          new TributaryError("UNKNOWN_SERVER_ERROR", `the answer from ${baseUrl} is too large`),
      },
    );
    const body = mediaType(response.headers.get("content-type")) === CBOR_TYPE
      ? decodeCbor(bytes)
      : null;
    if (response.ok) return body;
    throw errorOf(response.status, body, baseUrl);
  }

  async #exchange(request: Request, out: {
    url: URL;
    method: string;
    headers: Headers;
    body: Uint8Array | null;
    waitMs: number;
    unavailable: ErrorCodeName;
  }): Promise<Response> {
    out.headers.set(FORWARDED_BY_HEADER, String(this.#o.nodeId));
    const aborter = new AbortController();
    const stall = new StallTimer(this.#o.timers, () => aborter.abort("timeout"));
    const ends = [request.signal, this.#o.shutdownSignal].filter((s) => s !== undefined);
    const unlink = linkAborts(ends, () => aborter.abort("gone"));
    const done = () => {
      stall.clear();
      unlink();
    };
    stall.arm(this.#o.timeoutMs + out.waitMs);
    let response: Response;
    try {
      response = await this.#o.fetch(
        new Request(out.url, {
          method: out.method,
          headers: out.headers,
          body: out.body as BodyInit | null,
          signal: aborter.signal,
        }),
      );
    } catch (err) {
      done();
      throw this.#failure(out.url, aborter.signal.reason, out.unavailable, err);
    }
    // The body's own deadline starts when the client asks for it (relayedBody).
    stall.clear();
    const headers = new Headers();
    for (const name of RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    if (response.body === null) {
      done();
      return new Response(null, { status: response.status, headers });
    }
    const chunkMs = this.#o.timeoutMs + this.#o.sseHeartbeatMs;
    const body = relayedBody(response.body, { stall, chunkMs, aborter, done });
    return new Response(body, { status: response.status, headers });
  }

  /** baseUrl + path, refused unless baseUrl is the HTTP address of a broker in the metadata. */
  #targetUrl(baseUrl: string, path: string, unavailable: ErrorCodeName): URL {
    const origin = new URL(baseUrl).origin;
    const known = this.#o.broker.metadata([]).brokers.some((b) =>
      b.httpPort !== undefined && b.nodeId !== this.#o.nodeId &&
      new URL(httpBaseUrl(b, b.httpPort)).origin === origin
    );
    if (!known) {
      throw new TributaryError(
        unavailable,
        `no broker in this broker's metadata listens on ${origin}; retry after a metadata refresh`,
      );
    }
    return new URL(path, origin);
  }

  #failure(url: URL, why: unknown, unavailable: ErrorCodeName, cause: unknown): TributaryError {
    const target = url.origin;
    if (why === "timeout") {
      this.#o.onFailure?.(target, "timeout");
      return new TributaryError(
        "REQUEST_TIMED_OUT",
        `the broker at ${target} did not answer within the forwarding timeout`,
        { cause },
      );
    }
    if (this.#o.shutdownSignal?.aborted === true) {
      return new TributaryError("BROKER_SHUTTING_DOWN", "the server is shutting down", { cause });
    }
    if (why !== "gone") this.#o.onFailure?.(target, "unreachable");
    return new TributaryError(
      unavailable,
      `could not reach the broker at ${target} to forward the request; retry`,
      { cause },
    );
  }
}

export function isForwarded(request: Request): boolean {
  return request.headers.has(FORWARDED_BY_HEADER);
}

/** The body of the forwarded answer, pulled chunk by chunk as the client reads. */
function relayedBody(
  upstream: ReadableStream<Uint8Array>,
  ctl: { stall: StallTimer; chunkMs: number; aborter: AbortController; done: () => void },
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        ctl.stall.arm(ctl.chunkMs);
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
          // Only the broker's silence counts: a client slow to take a chunk is not a stall.
          ctl.stall.clear();
        } catch (err) {
          if (cancelled) return; // the client's body is closed already
          // The broker went away mid-answer (or we aborted): end the client's body the same way,
          // so an SSE client reconnects with Last-Event-ID and a long poll sees a broken answer.
          ctl.done();
          controller.error(err);
          return;
        }
        if (cancelled) return;
        if (next.done) {
          ctl.done();
          controller.close();
          return;
        }
        controller.enqueue(next.value);
      },
      cancel(reason) {
        cancelled = true;
        ctl.done();
        ctl.aborter.abort("gone");
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 1 },
  );
}

/** One re-armable deadline over the injected timers. */
class StallTimer {
  readonly #timers: Timers;
  readonly #onStall: () => void;
  #handle: TimerHandle | null = null;

  constructor(timers: Timers, onStall: () => void) {
    this.#timers = timers;
    this.#onStall = onStall;
  }

  arm(delayMs: number): void {
    this.clear();
    this.#handle = this.#timers.setTimeout(this.#onStall, delayMs);
  }

  clear(): void {
    this.#handle?.cancel();
    this.#handle = null;
  }
}

function linkAborts(signals: AbortSignal[], onAbort: () => void): () => void {
  if (signals.some((s) => s.aborted)) {
    onAbort();
    return () => {};
  }
  for (const s of signals) s.addEventListener("abort", onAbort, { once: true });
  return () => {
    for (const s of signals) s.removeEventListener("abort", onAbort);
  };
}

/** The long-poll wait a request asks for (`timeoutMs`), as the receiver will clamp it. */
function requestedWaitMs(url: URL, fetchWaitMsMax: number): number {
  const asked = Number(url.searchParams.get("timeoutMs") ?? "0");
  return Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, fetchWaitMsMax) : 0;
}

/** The TributaryError an error answer of the HTTP API names. */
function errorOf(status: number, body: unknown, baseUrl: string): TributaryError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code === "string" && isErrorCode(error.code)) {
    return new TributaryError(error.code, String(error.message ?? error.code));
  }
  return new TributaryError(
    "UNKNOWN_SERVER_ERROR",
    `the broker at ${new URL(baseUrl).origin} answered ${status}`,
  );
}
