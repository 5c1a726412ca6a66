// Request bodies and response readers for the group API tests over the raw client, written
// from the grammar atop each message file (src/protocol/kafka/messages/), classic or compact.
import { KafkaReader } from "../../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../../src/protocol/kafka/writer.ts";
import { type RawClient, requestFrame } from "./raw-client.ts";

let nextCorrelationId = 1000;

/** Sends one request and reads its response body (after the response header). */
export async function call(
  c: RawClient,
  request: { key: number; version: number; flexible: boolean; body: (w: KafkaWriter) => void },
): Promise<KafkaReader> {
  const correlationId = nextCorrelationId++;
  c.send(send(request, correlationId));
  return readResponse(await c.next(), correlationId, request.flexible);
}

export function send(
  request: { key: number; version: number; flexible: boolean; body: (w: KafkaWriter) => void },
  correlationId: number,
): Uint8Array {
  const w = new KafkaWriter();
  request.body(w);
  return requestFrame(request.key, request.version, correlationId, w.finish().slice(), {
    flexible: request.flexible,
  });
}

export function readResponse(
  frame: Uint8Array,
  correlationId: number,
  flexible: boolean,
): KafkaReader {
  const r = new KafkaReader(frame);
  const got = r.int32();
  if (got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`);
  if (flexible) r.taggedFields();
  return r;
}

export const str = (w: KafkaWriter, flexible: boolean, s: string | null) => w.str(flexible, s);

export function readStr(r: KafkaReader, flexible: boolean): string | null {
  return flexible ? r.compactNullableString() : r.nullableString();
}

export function readBytes(r: KafkaReader, flexible: boolean): Uint8Array | null {
  return flexible ? r.compactNullableBytes() : r.nullableBytes();
}
