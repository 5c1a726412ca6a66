// NATS JetStream through @nats-io/transport-node and @nats-io/jetstream: one file-storage
// stream "BENCH" on subject "bench"; publish() awaits the stream's PubAck; reads go through an
// ordered pull consumer (consume()), the client's recommended way to read a stream in order.

import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { PeerArgs, PeerDriver, PeerProducer } from "./peer-perf.ts";

const STREAM = "BENCH";
const SUBJECT = "bench";

export function natsDriver(): PeerDriver {
  const connections: NatsConnection[] = [];
  const open = async (args: PeerArgs) => {
    const nc = await connect({ servers: `127.0.0.1:${args.port}` });
    connections.push(nc);
    return nc;
  };
  return {
    async setup(args) {
      const jsm = await jetstreamManager(await open(args));
      const exists = await jsm.streams.info(STREAM).then(() => true, () => false);
      if (!exists) {
        await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], storage: StorageType.File });
      }
    },
    async producer(args): Promise<PeerProducer> {
      const js = jetstream(await open(args));
      return { publish: (value) => js.publish(SUBJECT, value), close: async () => {} };
    },
    async consumeAll(args, onBatch) {
      const js = jetstream(await open(args));
      const consumer = await js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.All });
      const messages = await consumer.consume({ max_messages: 10_000 });
      let seen = 0;
      let batch: Uint8Array[] = [];
      for await (const m of messages) {
        batch.push(m.data);
        seen++;
        if (batch.length >= 1000 || seen >= args.records) {
          onBatch(batch);
          batch = [];
        }
        if (seen >= args.records) break;
      }
      await messages.close();
    },
    async tail(args, onValue) {
      const js = jetstream(await open(args));
      const consumer = await js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.New });
      const messages = await consumer.consume({ max_messages: 1000 });
      const done = (async () => {
        for await (const m of messages) if (onValue(m.data)) break;
        await messages.close();
      })();
      // Give the pull request a moment to reach the server before the first publish.
      const ready = new Promise<void>((r) => setTimeout(r, 200));
      return { ready, done };
    },
    async close() {
      await Promise.all(connections.map((nc) => nc.drain().catch(() => nc.close())));
    },
  };
}
