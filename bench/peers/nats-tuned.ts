// NATS JetStream at its best from Node: core publishes with a reply subject under one inbox
// subscription per connection, so a JetStream PubAck is just a message on that inbox (no
// request object, no timer, no JSON parse per publish as js.publish() has). The harness keeps a
// bounded window of publishes in flight per connection (--window), the same shape as the
// asynchronous publish of NATS's own Go client. Reads and tails reuse the official driver.

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsDriver } from "./nats-driver.ts";
import type { PeerArgs, PeerDriver, PeerProducer } from "./peer-perf.ts";

const SUBJECT = "bench";
// A PubAck is {"stream":"BENCH","seq":N}; anything else (an error object, or an empty 503
// "no responders" status when no stream listens) is a failed publish.
const ACK_MARK = new TextEncoder().encode('"seq":');

export function natsTunedDriver(): PeerDriver {
  const official = natsDriver();
  const connections: NatsConnection[] = [];
  return {
    ...official,
    async producer(args: PeerArgs): Promise<PeerProducer> {
      const nc = await connect({ servers: `127.0.0.1:${args.port}` });
      connections.push(nc);
      const prefix = `_INBOX.bench.${connections.length}.`;
      const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
      nc.subscribe(`${prefix}*`, {
        callback: (err, msg) => {
          const id = Number(msg?.subject.slice(prefix.length));
          const entry = waiting.get(id);
          if (!entry) return;
          waiting.delete(id);
          if (err) entry.reject(err);
          else if (contains(msg.data, ACK_MARK)) entry.resolve();
          else entry.reject(new Error(`not a PubAck: ${new TextDecoder().decode(msg.data)}`));
        },
      });
      await nc.flush(); // the subscription is in place before the first publish
      let next = 0;
      return {
        publish: (value) =>
          new Promise<void>((resolve, reject) => {
            const id = next++;
            waiting.set(id, { resolve, reject });
            nc.publish(SUBJECT, value, { reply: prefix + id });
          }),
        close: async () => {},
      };
    },
    async close() {
      await Promise.all(connections.map((nc) => nc.drain().catch(() => nc.close())));
      await official.close();
    },
  };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  // PubAcks are ~40 bytes; the mark is near the start.
  outer: for (let i = 0; i + needle.length <= Math.min(haystack.length, 96); i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
