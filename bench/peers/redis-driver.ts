// Redis Streams through the `redis` client: XADD (auto-pipelined by the client when many are
// issued at once) to one stream; reads with XRANGE pages from the start; tailing with XREAD
// BLOCK on a connection of its own. Byte strings come back as Buffers (RESP type mapping).

import { createClient, RESP_TYPES } from "redis";
import type { PeerArgs, PeerDriver, PeerProducer } from "./peer-perf.ts";

const KEY = "bench";
const PAGE_RECORDS = 10_000;

interface Entry {
  id: unknown;
  message: Record<string, unknown>;
}

// The client's generic types are elaborate; the bench uses four commands, typed here.
interface Client {
  xAdd(key: string, id: string, message: Record<string, Buffer>): Promise<unknown>;
  xRange(key: string, start: string, end: string, options: { COUNT: number }): Promise<Entry[]>;
  xRead(
    stream: { key: string; id: string },
    options: { BLOCK: number; COUNT: number },
  ): Promise<Array<{ messages: Entry[] }> | null>;
  quit(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

export function redisDriver(): PeerDriver {
  const clients: Client[] = [];
  const open = async (args: PeerArgs): Promise<Client> => {
    const base = createClient({ url: `redis://127.0.0.1:${args.port}` });
    base.on("error", (err: unknown) => process.stderr.write(`redis: ${String(err)}\n`));
    await base.connect();
    const client = base.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }) as unknown as Client;
    clients.push(client);
    return client;
  };
  const asBytes = (v: unknown) => v as Uint8Array;
  return {
    async setup() {},
    async producer(args): Promise<PeerProducer> {
      const client = await open(args);
      return {
        publish: (value) =>
          client.xAdd(KEY, "*", {
            v: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
          }),
        close: async () => {},
      };
    },
    async consumeAll(args, onBatch) {
      const client = await open(args);
      let start = "-";
      let seen = 0;
      // Bounded: every page moves `start` past what it returned, and we stop at args.records.
      while (seen < args.records) {
        const page = await client.xRange(KEY, start, "+", { COUNT: PAGE_RECORDS });
        if (page.length === 0) throw new Error(`stream ended after ${seen} records`);
        onBatch(page.map((entry) => asBytes(entry.message.v)));
        seen += page.length;
        start = `(${String(page[page.length - 1].id)}`;
      }
    },
    async tail(args, onValue) {
      const client = await open(args);
      let last = "$";
      const done = (async () => {
        for (let stop = false; !stop;) {
          const reply = await client.xRead({ key: KEY, id: last }, {
            BLOCK: 5000,
            COUNT: PAGE_RECORDS,
          });
          if (reply === null) throw new Error("no records for 5 s");
          for (const stream of reply) {
            for (const entry of stream.messages) {
              last = String(entry.id);
              if (onValue(asBytes(entry.message.v))) stop = true;
            }
          }
        }
      })();
      const ready = new Promise<void>((r) => setTimeout(r, 200));
      return { ready, done };
    },
    async close() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
