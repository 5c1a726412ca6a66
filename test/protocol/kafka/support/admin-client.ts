// One request, one response over a raw client: the request framed (header v2 when flexible),
// the response's correlation id checked and its header (v1 when flexible) read, leaving a
// reader at the response body.
import { expect } from "vitest";
import { KafkaReader } from "../../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../../src/protocol/kafka/writer.ts";
import { type RawClient, requestFrame } from "./raw-client.ts";

let correlationId = 1000;

export async function call(
  c: RawClient,
  request: { key: number; version: number; flexible: boolean },
  body: (w: KafkaWriter) => void,
): Promise<KafkaReader> {
  const w = new KafkaWriter();
  body(w);
  const id = correlationId++;
  c.send(
    requestFrame(request.key, request.version, id, w.finish().slice(), {
      flexible: request.flexible,
    }),
  );
  const r = new KafkaReader(await c.next());
  expect(r.int32("correlation_id")).toBe(id);
  if (request.flexible) r.taggedFields();
  return r;
}

/** A string in the classic or compact encoding. */
export function readStr(r: KafkaReader, flexible: boolean): string | null {
  return flexible ? r.compactNullableString() : r.nullableString();
}
