// A topic produce's records for a partition another broker leads, sent to that leader as one
// partition produce (docs/http.md, "Forwarding"), and the offsets it answers.

import { TributaryError } from "../model/errors.ts";
import { encodeBase64 } from "./base64.ts";
import { mediaType, OCTET_STREAM_TYPE } from "./media-type.ts";
import type { ProduceRecord } from "./produce-body.ts";
import type { Forwarder } from "./forward.ts";

/** The offsets the leader answers for the records, sent there as one partition produce. */
export async function produceThere(
  forwarder: Forwarder,
  request: Request,
  target: string,
  to: { topic: string; partition: number; acksParam: string; compressionParam?: string },
  records: readonly ProduceRecord[],
): Promise<number[]> {
  const path = `/v1/topics/${encodeURIComponent(to.topic)}/partitions/${to.partition}/records` +
    `?acks=${encodeURIComponent(to.acksParam)}` +
    (to.compressionParam === undefined
      ? ""
      : `&compression=${encodeURIComponent(to.compressionParam)}`);
  // A raw record goes raw (its headers may repeat a name, which the JSON/CBOR body cannot say).
  const raw = mediaType(request.headers.get("content-type")) === OCTET_STREAM_TYPE;
  const init = raw && records.length === 1
    ? {
      method: "POST",
      path: path + rawRecordQuery(records[0]),
      body: records[0].value ?? new Uint8Array(0),
      rawContentType: OCTET_STREAM_TYPE,
    }
    : { method: "POST", path, body: { records: records.map(recordBody) } };
  const answer = await forwarder.call(request, target, init, "NOT_LEADER_OR_FOLLOWER");
  const offsets = (answer as { offsets?: unknown } | null)?.offsets;
  if (!Array.isArray(offsets) || offsets.length !== records.length) {
    throw new TributaryError(
      "UNKNOWN_SERVER_ERROR",
      `the leader of ${to.topic}-${to.partition} answered a produce without its offsets`,
    );
  }
  return offsets.map((o: { offset?: unknown }) => Number(o?.offset));
}

/** The query parameters of a raw record (produce-raw.ts), its bytes spelled in base64. */
function rawRecordQuery(record: ProduceRecord): string {
  const query = new URLSearchParams({ encoding: "base64", timestamp: String(record.timestamp) });
  if (record.key !== null) query.set("key", encodeBase64(record.key));
  for (const h of record.headers ?? []) {
    query.append("header", `${h.key}:${h.value === null ? "" : encodeBase64(h.value)}`);
  }
  return `&${query}`;
}

/** A record as the CBOR produce body spells it (bytes as they are). */
function recordBody(record: ProduceRecord) {
  const headers: Record<string, Uint8Array | null> = {};
  for (const h of record.headers ?? []) headers[h.key] = h.value;
  return { key: record.key, value: record.value, headers, timestamp: record.timestamp };
}
