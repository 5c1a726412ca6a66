// Server-Sent Events tail of one partition: one event per record, `id:` set to its offset, so a
// browser EventSource resumes after a reconnect from Last-Event-ID + 1.
//
// The body is a pull-driven ReadableStream: the next long-poll fetch starts only when the client
// has taken the previous chunk, so a slow reader holds at most one chunk in memory here. An idle
// partition yields a `: keepalive` comment every heartbeat, which also lets the host notice a
// vanished client. A client disconnect (request signal), a cancelled body or the server shutting
// down (shutdownSignal) aborts the waiting fetch at once and ends the stream.

import type { Context, Hono } from "hono";
import { TributaryError } from "../../model/errors.ts";
import { mapError } from "../error-map.ts";
import type { OutputEncoding } from "../codec.ts";
import { recordsFromBatches } from "../records-out.ts";
import type { HttpDeps } from "../reply.ts";
import { requestSignal } from "../reply.ts";
import { invalid, parseIntegerParam, pathParam } from "../validate.ts";
import { fetchPartition, offsetParam, outputEncodingParam, partitionParam } from "./records.ts";

export const SSE_RECORDS_PER_FETCH_MAX = 500;
export const SSE_BYTES_PER_FETCH_MAX = 1024 * 1024;

const encoder = new TextEncoder();

interface TailPosition {
  topic: string;
  partition: number;
  offset: number;
  encoding: OutputEncoding;
}

export function registerStreamRoute(app: Hono, deps: HttpDeps): void {
  app.get("/v1/topics/:topic/partitions/:partition/stream", async (c) => {
    const topic = pathParam(c.req.param(), "topic");
    const partition = partitionParam(c);
    const encoding = outputEncodingParam(c);
    if (encoding === "bytes") throw invalid("encoding=bytes is not available for SSE (text only)");
    const offset = await startOffset(c, deps, topic, partition);
    const body = tailStream(
      deps,
      { topic, partition, offset, encoding },
      requestSignal(c.req.raw, deps),
    );
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  });
}

/** Last-Event-ID + 1 when resuming, else ?offset=; checked against the log before streaming. */
async function startOffset(
  c: Context,
  deps: HttpDeps,
  topic: string,
  partition: number,
): Promise<number> {
  const lastEventId = c.req.header("last-event-id");
  const offset = lastEventId === undefined || lastEventId === ""
    ? await offsetParam(c, deps.broker, topic, partition)
    : parseIntegerParam(lastEventId, "Last-Event-ID", {
      min: 0,
      max: Number.MAX_SAFE_INTEGER - 1,
    }) + 1;
  // Checked here so that a bad start is an ordinary HTTP error, not an error event.
  const earliest = await deps.broker.listOffsets(topic, partition, "earliest");
  const latest = await deps.broker.listOffsets(topic, partition, "latest");
  if (offset < earliest.offset || offset > latest.offset) {
    throw new TributaryError(
      "OFFSET_OUT_OF_RANGE",
      `offset ${offset} is outside [${earliest.offset}, ${latest.offset}] of ${topic}-${partition}`,
    );
  }
  return offset;
}

function tailStream(
  deps: HttpDeps,
  start: TailPosition,
  endSignal: AbortSignal,
): ReadableStream<Uint8Array> {
  const cancelled = new AbortController();
  const signal = AbortSignal.any([endSignal, cancelled.signal]);
  const position = { ...start };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(
          encoder.encode(`: tail ${start.topic}/${start.partition} from ${start.offset}\n\n`),
        );
      },
      async pull(controller) {
        let chunk: string;
        let last = false;
        try {
          chunk = await nextChunk(deps, position, signal);
        } catch (err) {
          // After a disconnect the failure is just the aborted wait: nobody is left to tell.
          chunk = signal.aborted ? "" : errorEvent(err, deps);
          last = true;
        }
        if (cancelled.signal.aborted) return; // the body was cancelled: the stream is closed
        if (chunk !== "") controller.enqueue(encoder.encode(chunk));
        if (last || endSignal.aborted) controller.close();
      },
      cancel() {
        cancelled.abort();
      },
    },
    { highWaterMark: 1 },
  );
}

function errorEvent(err: unknown, deps: HttpDeps): string {
  const mapped = mapError(err);
  if (mapped.unexpected) deps.onUnexpectedError?.(err);
  return `event: error\ndata: ${JSON.stringify(mapped.body)}\n\n`;
}

/** One long-poll: the events of the records that arrived, or a keepalive comment. */
async function nextChunk(
  deps: HttpDeps,
  position: TailPosition,
  signal: AbortSignal,
): Promise<string> {
  const result = await fetchPartition(deps, {
    partitions: [{
      topic: position.topic,
      partition: position.partition,
      offset: position.offset,
      maxBytes: SSE_BYTES_PER_FETCH_MAX,
    }],
    maxWaitMs: deps.sseHeartbeatMs,
    minBytes: 1,
    maxBytes: SSE_BYTES_PER_FETCH_MAX,
    signal,
  });
  const page = await recordsFromBatches(
    result.records,
    position.offset,
    SSE_RECORDS_PER_FETCH_MAX,
    position.encoding,
  );
  position.offset = page.nextOffset;
  if (page.records.length === 0) return ": keepalive\n\n";
  return page.records.map((r) => `id: ${r.offset}\ndata: ${JSON.stringify(r)}\n\n`).join("");
}
