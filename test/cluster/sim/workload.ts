// The clients of the cluster simulation: producers (idempotent acks=all, plain acks=1) that send
// numbered values for as long as the run lasts, and a consumer of every partition. Every
// acknowledgement and every record read goes to the checker; errors (timeouts, no leader) are
// counted, never fatal: faults make them expected.
import type { Runtime } from "../../../runtime/types.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { Producer } from "../../../src/client/producer.ts";
import { type ClusterChecker, tpKey } from "./cluster-checker.ts";

const utf8 = new TextDecoder();
/** Sends outstanding per producer: enough to fill batches, bounded. */
const IN_FLIGHT_MAX = 8;

export interface WorkloadStats {
  sent: number;
  ackedAll: number;
  acked1: number;
  failed: number;
  consumed: number;
}

export interface ProducerPlan {
  name: string;
  acks: "all" | 1;
  idempotent: boolean;
}

/** Runs until stop() resolves; returns when every client is closed. */
export async function runWorkload(
  rt: Runtime,
  options: {
    bootstrap: string;
    topic: string;
    partitions: number;
    producers: readonly ProducerPlan[];
    checker: ClusterChecker;
    stats: WorkloadStats;
    stopped: () => boolean;
  },
): Promise<void> {
  const { checker, stats } = options;
  const produce = async (plan: ProducerPlan) => {
    const producer = new Producer(rt, {
      bootstrap: options.bootstrap,
      clientId: plan.name,
      acks: plan.acks,
      idempotent: plan.idempotent,
      deliveryTimeoutMs: 15_000,
      requestTimeoutMs: 3_000,
      lingerMs: 2,
    });
    const inFlight = new Set<Promise<void>>();
    for (let seq = 0; !options.stopped(); seq++) {
      const value = `${plan.name}-${seq}`;
      const partition = rt.random.int(options.partitions);
      stats.sent++;
      const sent: Promise<void> = producer.send({ topic: options.topic, partition, value }).then(
        (md) => {
          if (plan.acks === "all") {
            stats.ackedAll++;
            checker.acked(tpKey(md.topic, md.partition), md.offset, value, plan.idempotent);
          } else stats.acked1++;
        },
        () => void stats.failed++,
      ).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= IN_FLIGHT_MAX) await Promise.race(inFlight);
      await rt.timers.sleep(rt.random.int(20));
    }
    await Promise.all(inFlight);
    await producer.close();
  };
  const consume = async () => {
    const consumer = new Consumer(rt, {
      bootstrap: options.bootstrap,
      clientId: "reader",
      autoOffsetReset: "earliest",
      requestTimeoutMs: 3_000,
      fetchMaxWaitMs: 200,
    });
    consumer.assign(
      Array.from({ length: options.partitions }, (_, partition) => ({
        topic: options.topic,
        partition,
      })),
    );
    const last = new Map<string, number>();
    while (!options.stopped()) {
      let records;
      try {
        records = await consumer.poll({ timeoutMs: 500 });
      } catch {
        // A poll error (no leader, timeout) is expected under faults; the loop goes on.
        continue;
      }
      for (const r of records) {
        const tp = tpKey(r.topic, r.partition);
        const before = last.get(tp) ?? -1;
        if (r.offset <= before && !checker.takeRewind(tp)) {
          checker.violate(`consumer read ${tp} offset ${r.offset} after ${before}`);
        }
        last.set(tp, r.offset);
        stats.consumed++;
        checker.consumed(tp, r.offset, r.value === null ? "<null>" : utf8.decode(r.value));
      }
    }
    await consumer.close();
  };
  await Promise.all([...options.producers.map(produce), consume()]);
}
