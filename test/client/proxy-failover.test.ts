// The clients against a real broker process under each host, with every connection routed
// through test/support/fault-proxy.ts (the connector maps the broker's address to the proxy):
// an idempotent producer carries on through a cut and through a broker that goes silent on an
// open connection (its request times out, the connection is dropped and a new one made), and a
// consumer reads on through the same faults from the position it had. No error reaches the app,
// and every record is in the log once, in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { Connector } from "../../src/client/cluster.ts";
import { Admin } from "../../src/client/admin.ts";
import { Consumer, type ConsumerRecord } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "../e2e/broker-process.ts";
import { eventually } from "../support/eventually.ts";
import { FaultProxy } from "../support/fault-proxy.ts";

const rt = createNodeRuntime();
const dec = new TextDecoder();
const RECORDS = 600;

function throughProxy(proxy: FaultProxy): Connector {
  return (runtime, _address, options) =>
    ProtocolClient.connect(runtime, { host: proxy.host, port: proxy.port, ...options });
}

for (const host of hosts) {
  requireHost(host);
  describe(`clients through a faulty network to a ${host} broker`, () => {
    const dir = makeTempDir(`tributary-proxy-${host}-`);
    let broker: BrokerProcess;
    let proxy: FaultProxy;

    beforeAll(async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: broker.port } });
      const admin = new Admin(rt, { bootstrap: broker.bootstrap });
      await admin.createTopic("p", { partitions: 1 });
      await admin.close();
    });

    afterAll(async () => {
      await proxy?.close();
      await broker?.kill9();
      dir.remove();
    });

    it("producer and consumer carry on through a cut and a silent connection", async () => {
      const options = {
        bootstrap: broker.bootstrap,
        connector: throughProxy(proxy),
        requestTimeoutMs: 1_000,
        retryBackoffMs: 20,
      };
      const producer = new Producer(rt, { ...options, lingerMs: 1, produceTimeoutMs: 1_000 });
      const consumer = new Consumer(rt, {
        ...options,
        autoOffsetReset: "earliest",
        fetchMaxWaitMs: 100,
      });
      consumer.assign([{ topic: "p", partition: 0 }]);
      const read: ConsumerRecord[] = [];
      const readUpTo = async (count: number) => {
        for (let i = 0; i < 400 && read.length < count; i++) {
          read.push(...await consumer.poll({ timeoutMs: 100 }));
        }
      };
      const sends: Array<Promise<number>> = [];
      const send = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          sends.push(
            producer.send({ topic: "p", partition: 0, value: `r${i}` }).then((m) => m.offset),
          );
        }
      };
      try {
        send(0, 200);
        await readUpTo(50);
        proxy.cut();
        send(200, 400);
        await proxy.heal();
        await readUpTo(250);

        // Silent: the connections stay open and nothing comes back, as from a stopped broker.
        proxy.blackhole("toClient");
        const acceptedBefore = proxy.stats.accepted;
        send(400, RECORDS);
        // The clients give up on the silent connections and connect again.
        await eventually(() => proxy.stats.accepted > acceptedBefore, 20_000);
        await proxy.heal();
        const offsets = await Promise.all(sends);
        expect(offsets).toEqual(offsets.map((_, i) => i));
        await readUpTo(RECORDS);
      } finally {
        await producer.close();
        await consumer.close();
      }
      expect(read.map((r) => r.offset)).toEqual(read.map((_, i) => i));
      expect(read.map((r) => dec.decode(r.value ?? undefined))).toEqual(
        Array.from({ length: RECORDS }, (_, i) => `r${i}`),
      );
    }, 60_000);
  });
}
