// Writes a web Response as HTTP/1.1 (RFC 9112 §4, §6-§7). A body that is already complete (a
// string, bytes, or a stream that ends within a few microtask turns) goes out with
// Content-Length in one write; a body still being produced (an event stream, a long poll) is
// sent chunk by chunk with chunked framing, each write awaited so a slow client pushes back on
// the producer. When the client goes away the body stream is cancelled.
import type { Connection } from "../../types.ts";

/** Complete bodies up to this size are sent with Content-Length; longer ones are streamed. */
export const collectBytesMax = 1024 * 1024;
/** Microtask turns a body read may take and still count as already available. */
const soonTurnsMax = 8;

export interface ResponseContext {
  /** The request was HEAD: headers only. */
  readonly head: boolean;
  /** The request's minor version: HTTP/1.0 peers get no chunked framing. */
  readonly minorVersion: 0 | 1;
  /** The connection closes after this response (sent as Connection: close). */
  readonly close: boolean;
  /** Settles once the client went away; the body is then cancelled. */
  readonly gone: Promise<void>;
  /** The Date header's value (RFC 9110 §6.6.1), unless the handler set one. */
  readonly date: string;
}

export interface WriteOutcome {
  /** False when the framing forces a close (HTTP/1.0 stream, short body) or the client left. */
  readonly reusable: boolean;
}

const encoder = new TextEncoder();
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

export async function writeResponse(
  conn: Connection,
  response: Response,
  ctx: ResponseContext,
): Promise<WriteOutcome> {
  const status = response.status;
  const noContent = status < 200 || status === 204 || status === 304;
  const bodyless = ctx.head || noContent;
  const reader = response.body?.getReader() ?? null;
  // HEAD gets the Content-Length its GET would have, so the body is measured, then dropped.
  const collected = reader === null || noContent
    ? { chunks: [], bytes: 0, done: true, pending: null }
    : await collectSoon(reader);
  if (bodyless) void reader?.cancel().catch(() => {});
  const declared = declaredLength(response.headers);
  let framing: "length" | "chunked" | "close" | "none";
  let length = 0;
  if (noContent) {
    framing = status === 304 && declared !== null ? "length" : "none";
    length = declared ?? 0;
  } else if (collected.done) {
    framing = "length";
    length = collected.bytes;
  } else if (declared !== null && declared >= collected.bytes) {
    framing = "length";
    length = declared;
  } else if (ctx.head) framing = "none";
  else framing = ctx.minorVersion === 1 ? "chunked" : "close";
  const close = ctx.close || framing === "close";
  const head = encodeHead(response, { close, framing, length, date: ctx.date });
  try {
    if (collected.done || bodyless) {
      await conn.write(joinAll([head, ...(bodyless ? [] : collected.chunks)]));
      return { reusable: !close };
    }
    const first = framing === "chunked" ? collected.chunks.map(chunkFrame) : collected.chunks;
    await conn.write(joinAll([head, ...first]));
    const sent = await streamRest(conn, reader!, collected.pending, {
      gone: ctx.gone,
      framing: framing as "length" | "chunked" | "close",
      lengthLeft: length - collected.bytes,
    });
    return { reusable: sent && !close };
  } catch {
    // The client went away (the write failed): nothing more to send.
    void reader?.cancel().catch(() => {});
    return { reusable: false };
  }
}

interface Collected {
  chunks: Uint8Array[];
  bytes: number;
  done: boolean;
  /** A read that did not settle soon; streamRest awaits it first. */
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | null;
}

/** Reads what the body has ready now (bounded), leaving a pending read to streamRest. */
async function collectSoon(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Collected> {
  const out: Collected = { chunks: [], bytes: 0, done: false, pending: null };
  while (out.bytes <= collectBytesMax) {
    const read = reader.read();
    const next = await soon(read);
    if (next === null) {
      out.pending = read;
      return out;
    }
    if (next.done) {
      out.done = true;
      return out;
    }
    out.chunks.push(next.value);
    out.bytes += next.value.length;
  }
  return out;
}

/** p's result if it settles within a few microtask turns, else null (p stays pending). */
async function soon<T>(p: Promise<T>): Promise<T | null> {
  let state: { value: T } | { error: unknown } | null = null;
  p.then((value) => (state = { value }), (error) => (state = { error }));
  for (let i = 0; i < soonTurnsMax && state === null; i++) await undefined;
  if (state === null) return null;
  const settled = state as { value: T } | { error: unknown };
  if ("error" in settled) throw settled.error;
  return settled.value;
}

async function streamRest(
  conn: Connection,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | null,
  ctx: { gone: Promise<void>; framing: "length" | "chunked" | "close"; lengthLeft: number },
): Promise<boolean> {
  const { framing } = ctx;
  const goneMark = ctx.gone.then(() => null);
  let left = ctx.lengthLeft;
  let read = pending ?? reader.read();
  for (;;) {
    const next = await Promise.race([read, goneMark]);
    if (next === null) {
      void reader.cancel().catch(() => {});
      return false;
    }
    if (next.done) break;
    const chunk = next.value;
    if (framing === "length") {
      if (chunk.length > left) {
        // The handler declared a shorter Content-Length than it sends: cut, then close.
        if (left > 0) await conn.write(chunk.subarray(0, left));
        void reader.cancel().catch(() => {});
        return false;
      }
      left -= chunk.length;
      if (chunk.length > 0) await conn.write(chunk);
    } else if (chunk.length > 0) {
      await conn.write(framing === "chunked" ? chunkFrame(chunk) : chunk);
    }
    read = reader.read();
  }
  if (framing === "chunked") await conn.write(lastChunk);
  return framing !== "length" || left === 0;
}

const lastChunk = encoder.encode("0\r\n\r\n");

function chunkFrame(chunk: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${chunk.length.toString(16)}\r\n`);
  const out = new Uint8Array(prefix.length + chunk.length + 2);
  out.set(prefix, 0);
  out.set(chunk, prefix.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

function declaredLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  if (value === null || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

function encodeHead(
  response: Response,
  framing: {
    close: boolean;
    framing: "length" | "chunked" | "close" | "none";
    length: number;
    date: string;
  },
): Uint8Array {
  const status = response.status;
  let head = `HTTP/1.1 ${status} ${response.statusText || reasonPhrase(status)}\r\n`;
  response.headers.forEach((value, name) => {
    if (name === "set-cookie" || hopByHop.has(name)) return;
    head += `${name}: ${value}\r\n`;
  });
  for (const cookie of response.headers.getSetCookie()) head += `set-cookie: ${cookie}\r\n`;
  if (!response.headers.has("date")) head += `date: ${framing.date}\r\n`;
  if (framing.framing === "length") {
    head += `content-length: ${framing.length}\r\n`;
  } else if (framing.framing === "chunked") head += "transfer-encoding: chunked\r\n";
  if (framing.close) head += "connection: close\r\n";
  head += "\r\n";
  return encoder.encode(head);
}

function joinAll(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const reasons: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  421: "Misdirected Request",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

export function reasonPhrase(status: number): string {
  return reasons[status] ?? "Unknown";
}
