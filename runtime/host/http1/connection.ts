// One HTTP/1.1 connection: reads a request head, hands the request to the fetch handler,
// writes its response, and repeats while the connection may be kept alive. Requests are
// answered one at a time in arrival order, so pipelined requests are answered in order.
//
// Timers: until a request's first byte the connection is idle (idleTimeoutMs, then closed
// quietly); from the first byte, or for the first request from accept, its head must be
// complete within headersTimeoutMs (else 408 and closed). While a request is handled or its
// response is sent the connection is never idle: long polls and event streams run as long as
// they need. The body of a request the handler did not read is drained, up to drainBytesMax,
// or the connection is closed.
import type { Connection, FetchHandler, TimerHandle, Timers } from "../../types.ts";
import { type BodySource, ChunkedBody, LengthBody } from "./body.ts";
import { ConnReader } from "./conn-reader.ts";
import { findHeadEnd, isHeadError, parseRequestHead, type RequestHead } from "./head.ts";
import { closingReply, ReplyCode } from "./refusal.ts";
import { RequestBody } from "./request-body.ts";
import { writeResponse } from "./response.ts";

export interface ConnectionSettings {
  readonly fetch: FetchHandler;
  readonly timers: Timers;
  /** The current Date header value. */
  readonly date: () => string;
  /** host:port requests without a Host (HTTP/1.0) are taken to be for. */
  readonly authority: string;
  /** 0: never. */
  readonly idleTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly headBytesMax: number;
  readonly fieldsMax: number;
  readonly drainBytesMax: number;
  /** Content-Length bodies up to this size are read before the handler runs. */
  readonly wholeBodyBytesMax: number;
}

type Phase = "idle" | "head" | "busy";

export class Http1Connection {
  readonly done: Promise<void>;
  readonly #conn: Connection;
  readonly #settings: ConnectionSettings;
  readonly #reader: ConnReader;
  #phase: Phase = "idle";
  #stopping = false;
  /** Called when the client went away or the connection is cut. */
  #onGone: (() => void) | null = null;

  constructor(conn: Connection, settings: ConnectionSettings) {
    this.#conn = conn;
    this.#settings = settings;
    this.#reader = new ConnReader(conn);
    void conn.closed.then(() => this.#onGone?.());
    this.done = this.#run();
  }

  /** The server is closing: close now when idle, else after the current response. */
  stop(): void {
    this.#stopping = true;
    if (this.#phase === "idle") void this.#conn.close();
  }

  /** The close grace period is over: abort what is in flight and close. */
  cut(): void {
    this.#stopping = true;
    this.#onGone?.();
    void this.#conn.close();
  }

  async #run(): Promise<void> {
    let first = true;
    try {
      while (!this.#stopping) {
        const head = await this.#readHead(first);
        if (head === null) break;
        first = false;
        if (!(await this.#exchange(head))) break;
      }
    } catch {
      // A write to a gone client, a failed read: nothing to answer, the connection just ends.
    } finally {
      await this.#conn.close();
    }
  }

  /** The next request head; null when the connection is to close (after any error reply). */
  async #readHead(first: boolean): Promise<RequestHead | null> {
    const s = this.#settings;
    this.#phase = "idle";
    let timedOut: "idle" | "headers" | null = null;
    let wake: () => void = () => {};
    const expired = new Promise<null>((resolve) => (wake = () => resolve(null)));
    const fire = (which: "idle" | "headers") => () => {
      timedOut = which;
      wake();
    };
    let headersTimer: TimerHandle | null = first
      ? s.timers.setTimeout(fire("headers"), s.headersTimeoutMs)
      : null;
    let idleTimer: TimerHandle | null = s.idleTimeoutMs > 0
      ? s.timers.setTimeout(fire("idle"), s.idleTimeoutMs)
      : null;
    let buf: Uint8Array = new Uint8Array(0);
    try {
      for (;;) {
        const chunk = await Promise.race([this.#reader.next(), expired]);
        if (timedOut !== null) return await this.#timedOut(timedOut, buf.length > 0);
        if (chunk === null) return null;
        buf = buf.length === 0 ? skipLeadingCrlf(chunk) : join(buf, chunk);
        if (buf.length === 0) continue;
        if (this.#phase === "idle") {
          this.#phase = "head";
          idleTimer?.cancel();
          idleTimer = null;
          headersTimer ??= s.timers.setTimeout(fire("headers"), s.headersTimeoutMs);
        }
        const end = findHeadEnd(buf, buf.length - chunk.length - 3, buf.length);
        if (end < 0) {
          if (buf.length > s.headBytesMax) {
            return await this.#reply(431, `request head over ${s.headBytesMax} bytes`);
          }
          continue;
        }
        if (end > s.headBytesMax) {
          return await this.#reply(431, `request head over ${s.headBytesMax} bytes`);
        }
        this.#reader.unread(buf.subarray(end));
        const head = parseRequestHead(buf.subarray(0, end), s.fieldsMax);
        if (isHeadError(head)) return await this.#reply(head.status, head.message);
        this.#phase = "busy";
        return head;
      }
    } finally {
      headersTimer?.cancel();
      idleTimer?.cancel();
    }
  }

  async #timedOut(which: "idle" | "headers", started: boolean): Promise<null> {
    // A connection that sent nothing just closes; one stuck inside a head hears why.
    if (which === "headers" && started) {
      const ms = this.#settings.headersTimeoutMs;
      await this.#write(
        closingReply(
          408,
          ReplyCode.RequestTimedOut,
          `no request head within ${ms} ms (http.headers.timeout.ms)`,
        ),
      );
    }
    return null;
  }

  async #reply(status: number, message: string): Promise<null> {
    await this.#write(closingReply(status, ReplyCode.InvalidRequest, message));
    return null;
  }

  /** Answers a request that cannot be served; the connection then closes. */
  async #refuse(status: number, message: string): Promise<false> {
    await this.#reply(status, message);
    return false;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#conn.write(bytes);
    } catch {
      // The client left before hearing why: nothing else to do.
    }
  }

  /** Serves one request; true when the connection may carry another. */
  async #exchange(head: RequestHead): Promise<boolean> {
    const url = requestUrl(head, this.#settings.authority);
    if (url === null) return await this.#refuse(400, "malformed request target");
    const source = bodySource(head, this.#reader);
    const abort = new AbortController();
    let gone = false;
    let markGone: () => void = () => {};
    const goneSignal = new Promise<void>((resolve) => (markGone = resolve));
    let responded = false;
    this.#onGone = () => {
      if (gone) return;
      gone = true;
      abort.abort(new DOMException("the client went away", "AbortError"));
      markGone();
    };
    const watchForPeer = () => {
      void this.#reader.prefetch(this.#settings.headBytesMax, () => responded).then((ended) => {
        if (ended && !responded) this.#onGone?.();
      });
    };
    const body = new RequestBody(source, this.#conn, head.expectContinue, watchForPeer);
    const bodyAllowed = head.method !== "GET" && head.method !== "HEAD" && source !== null;
    // A small body is read whole first and handed over as bytes: hosts read those natively,
    // far faster than a JS stream pulled piece by piece.
    const whole = bodyAllowed && wholeBodyFirst(head, this.#settings.wholeBodyBytesMax)
      ? await body.readWhole()
      : null;
    if (whole === false) {
      return await this.#refuse(400, "malformed or cut-off request body");
    }
    if (source === null || source.done) watchForPeer();
    let request: Request;
    try {
      const init = whole !== null
        ? { body: whole }
        : bodyAllowed
        ? { body: body.stream(), duplex: "half" }
        : {};
      request = new Request(url, {
        method: head.method,
        headers: head.fields as Array<[string, string]>,
        signal: abort.signal,
        ...init,
      } as RequestInit);
    } catch {
      this.#onGone = null;
      return await this.#refuse(400, "request the host cannot represent");
    }
    const response = await this.#handle(request);
    const closeAfter = head.close || this.#stopping || body.mustClose();
    const outcome = await writeResponse(this.#conn, response, {
      head: head.method === "HEAD",
      minorVersion: head.minorVersion,
      close: closeAfter,
      gone: goneSignal,
      date: this.#settings.date(),
    });
    responded = true;
    this.#onGone = null;
    if (!outcome.reusable || gone) return false;
    return await body.drain(this.#settings.drainBytesMax);
  }

  async #handle(request: Request): Promise<Response> {
    try {
      const response = await this.#settings.fetch(request);
      if (response instanceof Response) return response;
      throw new TypeError("the handler did not return a Response");
    } catch {
      const body = JSON.stringify({
        error: { code: ReplyCode.UnknownServerError, message: "the request handler failed" },
      });
      return new Response(body, { status: 500, headers: { "content-type": "application/json" } });
    }
  }
}

/** Whether the body is small and sure to come (no Expect: 100-continue waiting on us). */
function wholeBodyFirst(head: RequestHead, bytesMax: number): boolean {
  return head.body.kind === "length" && head.body.bytes <= bytesMax && !head.expectContinue;
}

function bodySource(head: RequestHead, reader: ConnReader): BodySource | null {
  switch (head.body.kind) {
    case "none":
      return null;
    case "length":
      return new LengthBody(reader, head.body.bytes);
    case "chunked":
      return new ChunkedBody(reader);
  }
}

function requestUrl(head: RequestHead, authority: string): string | null {
  const target = head.target;
  let url: URL;
  try {
    if (target.startsWith("/")) url = new URL(`http://${head.host ?? authority}${target}`);
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else if (target === "*" && head.method === "OPTIONS") {
      url = new URL(`http://${head.host ?? authority}/`);
    } else return null;
  } catch {
    return null;
  }
  return url.href;
}

function skipLeadingCrlf(chunk: Uint8Array): Uint8Array {
  // RFC 9112 §2.2: empty lines before a request line (left after a body by some clients) are
  // ignored.
  let i = 0;
  while (i + 1 < chunk.length && chunk[i] === 13 && chunk[i + 1] === 10) i += 2;
  return i === 0 ? chunk : chunk.subarray(i);
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
