// The protocol's strictness against real broker processes under Node, Deno and Bun: floats and
// bignum tags where integers belong, correlation id 0 and negative partitions are
// INVALID_REQUEST with nothing processed; Metadata answers an unknown topic with an error entry;
// a client that half-closes gets no further answers (a waiting Fetch included) and the
// connection closes. E2E_STRICT_HOSTS narrows the hosts (default: all).
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeResponse, type ResponseEnvelope } from "../../src/protocol/cbor/envelope.ts";
import { encodeRequestFrame } from "../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../src/protocol/cbor/frame.ts";
import { Op } from "../../src/protocol/cbor/op-codes.ts";
import { batchOf } from "../protocol/cbor/support/batch.ts";
import {
  NOT_INTEGER_MINUS_ONE,
  NOT_INTEGER_ONE,
  NOT_INTEGER_ZERO,
  raw,
  rawRequestFrame,
} from "../protocol/cbor/support/raw-cbor.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_STRICT_HOSTS");
const RESPONSE_WAIT_MS = 10_000;

/** A TCP connection speaking frames; it may half-close (end its side) and keep reading. */
class Wire {
  readonly socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #responses: ResponseEnvelope[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      for (const payload of this.#decoder.push(chunk)) {
        this.#responses.push(decodeResponse(payload));
      }
      this.#wake?.();
    });
    socket.on("error", () => undefined); // a reset shows up as the end below
    // The server's FIN ends what it sends (this side, half-open, does not answer with its own).
    for (const event of ["end", "close"]) {
      socket.on(event, () => {
        this.#ended = true;
        this.#wake?.();
      });
    }
  }

  static async open(port: number): Promise<Wire> {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    await new Promise<void>((res, rej) => socket.once("connect", res).once("error", rej));
    return new Wire(socket);
  }

  send(frame: Uint8Array): void {
    this.socket.write(frame);
  }

  /** The next response, or null once the server closed the connection; bounded by waitMs. */
  async next(waitMs = RESPONSE_WAIT_MS): Promise<ResponseEnvelope | null> {
    const giveUpAt = Date.now() + waitMs;
    while (this.#responses.length === 0 && !this.#ended) {
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) throw new Error(`no response within ${waitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#responses.shift() ?? null;
  }

  async request(frame: Uint8Array): Promise<ResponseEnvelope | null> {
    this.send(frame);
    return await this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}

const records = batchOf(["strict"]);

function produce(acks: unknown, partition: unknown = 0, timeoutMs: unknown = 5_000) {
  return { acks, timeoutMs, partitions: [{ topic: "s", partition, records }] };
}

const latest = { partitions: [{ topic: "s", partition: 0, timestamp: -1 }] };

for (const host of selected) {
  requireHost(host);
  describe(`strict protocol under ${host}`, () => {
    const dir = makeTempDir(`tributary-strict-${host}-`);
    let broker: BrokerProcess | null = null;
    let port = 0;

    beforeAll(async () => {
      broker = await startBrokerProcess(host, {
        dataDir: dir.path,
        extraArgs: ["--auto-create-topics"],
      });
      port = broker.port;
      const wire = await Wire.open(port);
      const created = await wire.request(
        encodeRequestFrame(Op.CreateTopics, 1, 1, { topics: [{ name: "s", partitions: 1 }] }),
      );
      expect(created?.error).toBeNull();
      wire.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    /** The offset the next record of s/0 would get: nothing refused may move it. */
    async function nextOffset(wire: Wire): Promise<number> {
      const r = await wire.request(encodeRequestFrame(Op.ListOffsets, 1, 999, latest));
      return (r?.body as { partitions: Array<{ offset: number }> }).partitions[0].offset;
    }

    it("floats, bignums and negative partitions are INVALID_REQUEST and store nothing", async () => {
      const wire = await Wire.open(port);
      const before = await nextOffset(wire);
      const bodies = [
        produce(raw(NOT_INTEGER_MINUS_ONE.half)), // acks -1.0
        produce(raw(NOT_INTEGER_MINUS_ONE.double)),
        produce(raw(NOT_INTEGER_MINUS_ONE.bignum)),
        produce(1, raw(NOT_INTEGER_ZERO.double)), // partition 0.0
        produce(1, raw(NOT_INTEGER_ZERO.bignum)),
        produce(1, -1),
        produce(1, 0, raw("c2421388")), // timeoutMs as bignum 5000
      ];
      let id = 10;
      for (const body of bodies) {
        const response = await wire.request(rawRequestFrame(Op.Produce, 1, ++id, body));
        expect(response, JSON.stringify(body.acks)).toMatchObject({
          correlationId: id,
          error: { code: "INVALID_REQUEST" },
          body: null,
        });
      }
      expect(await nextOffset(wire)).toBe(before);
      // The same connection still produces.
      const ok = await wire.request(encodeRequestFrame(Op.Produce, 1, 50, produce(1)));
      expect(ok).toMatchObject({ correlationId: 50, error: null });
      expect(await nextOffset(wire)).toBe(before + 1);
      wire.close();
    });

    it("op 1.0 is INVALID_REQUEST for that request; the connection carries on", async () => {
      const wire = await Wire.open(port);
      const response = await wire.request(
        rawRequestFrame(raw(NOT_INTEGER_ONE.half), 1, 7, { clientId: "x", clientVersion: "1" }),
      );
      expect(response).toMatchObject({ correlationId: 7, error: { code: "INVALID_REQUEST" } });
      const list = await wire.request(encodeRequestFrame(Op.ListTopics, 1, 8, {}));
      expect(list).toMatchObject({ correlationId: 8, error: null });
      wire.close();
    });

    it("correlation id 0 gets a connection-level INVALID_REQUEST and a close, nothing stored", async () => {
      const check = await Wire.open(port);
      const before = await nextOffset(check);
      for (const correlationId of [0, raw(NOT_INTEGER_ONE.double)]) {
        const wire = await Wire.open(port);
        const response = await wire.request(
          rawRequestFrame(Op.Produce, 1, correlationId, produce(1)),
        );
        expect(response).toMatchObject({
          correlationId: 0,
          error: { code: "INVALID_REQUEST" },
          body: null,
        });
        expect(await wire.next()).toBeNull(); // closed by the server
        wire.close();
      }
      expect(await nextOffset(check)).toBe(before);
      check.close();
    });

    it("Metadata: an unknown topic is an UNKNOWN_TOPIC_OR_PARTITION entry and is not created", async () => {
      const wire = await Wire.open(port);
      const r = await wire.request(encodeRequestFrame(Op.Metadata, 1, 3, {
        topics: ["absent", "s"],
        allowAutoTopicCreation: false,
      }));
      expect(r?.error).toBeNull();
      const topics = (r?.body as { topics: Array<Record<string, unknown>> }).topics;
      expect(topics.map((t) => [t.name, (t.error as { code?: string } | null)?.code ?? null]))
        .toEqual([["absent", "UNKNOWN_TOPIC_OR_PARTITION"], ["s", null]]);
      expect(topics[0]).toMatchObject({ internal: false, configs: {}, partitions: [] });
      // Creations run one at a time: once this one is answered, a background one would be done.
      await wire.request(
        encodeRequestFrame(Op.CreateTopics, 1, 4, { topics: [{ name: "after" }] }),
      );
      const list = await wire.request(encodeRequestFrame(Op.ListTopics, 1, 5, {}));
      const names = (list?.body as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
      expect(names).toContain("after");
      expect(names).not.toContain("absent");
      wire.close();
    });

    it("a half-close ends the connection: a waiting Fetch gets no answer", async () => {
      const wire = await Wire.open(port);
      const hw = await nextOffset(wire);
      wire.send(encodeRequestFrame(Op.Fetch, 1, 21, {
        maxWaitMs: 20_000,
        minBytes: 1,
        maxBytes: 1000,
        partitions: [{ topic: "s", partition: 0, offset: hw, maxBytes: 1000 }],
      }));
      // The fetch is parked once a later request on the connection was answered.
      expect(await wire.request(encodeRequestFrame(Op.ListTopics, 1, 22, {}))).toMatchObject({
        correlationId: 22,
      });
      const startedMs = Date.now();
      wire.socket.end(); // FIN: this side sends nothing more, and keeps reading
      expect(await wire.next()).toBeNull(); // no Fetch answer: the server closes
      expect(Date.now() - startedMs).toBeLessThan(5_000); // well before maxWaitMs
      wire.close();
      // And the broker serves others as before.
      const other = await Wire.open(port);
      expect(await other.request(encodeRequestFrame(Op.ListTopics, 1, 23, {}))).toMatchObject({
        correlationId: 23,
        error: null,
      });
      other.close();
    });
  });
}
