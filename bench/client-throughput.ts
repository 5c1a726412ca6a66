// Client throughput per host runtime: starts `tributary serve` under node, deno and bun (a real
// process on free ports and a temp data dir), produces RECORDS records of VALUE_BYTES bytes
// through the TypeScript client (acks=all, idempotent, defaults otherwise), consumes them all
// back, and prints records/s for both directions.
//
//   npm run build && node dist/bench/client-throughput.js [records] [host,host...]

import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { type Host, perSecond, startBenchBroker } from "./broker-process.ts";
import { consumeCbor, produceCbor } from "./cbor-load.ts";

const RECORDS = Number(process.argv[2] ?? 200_000);
const HOSTS = (process.argv[3]?.split(",") ?? ["node", "deno", "bun"]) as Host[];
const VALUE_BYTES = 100;
const PARTITIONS = 4;
const rt = createNodeRuntime();

async function benchHost(host: Host): Promise<{ host: Host; produced: number; consumed: number }> {
  const broker = await startBenchBroker(host);
  try {
    const admin = new Admin(rt, { bootstrap: broker.bootstrap });
    await admin.createTopic("bench", { partitions: PARTITIONS });
    await admin.close();
    const load = {
      bootstrap: broker.bootstrap,
      topic: "bench",
      partitions: PARTITIONS,
      records: RECORDS,
      valueBytes: VALUE_BYTES,
    };
    const produced = await produceCbor(load);
    const consumed = await consumeCbor(load);
    return { host, produced, consumed };
  } finally {
    await broker.stop();
  }
}

const rows: string[] = [];
for (const host of HOSTS) {
  const r = await benchHost(host);
  rows.push(
    `${host.padEnd(5)} produced ${perSecond(r.produced)}   consumed ${perSecond(r.consumed)}`,
  );
  console.log(rows[rows.length - 1]);
}
console.log(
  `(${
    RECORDS.toLocaleString("en-US")
  } records of ${VALUE_BYTES} B, ${PARTITIONS} partitions, acks=all, client on node ${process.version})`,
);
