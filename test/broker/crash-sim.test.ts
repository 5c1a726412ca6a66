// Durable produce under simulated power cuts: every batch acknowledged with acks=all before the
// crash is there after reopening the broker on the same disk, and an idempotent producer that
// resends its unacknowledged batches ends up with each of them exactly once.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { runWatchedSeed, simSeeds } from "../support/sim-seeds.ts";
import { batch, readAll } from "./helpers.ts";

const BATCHES = 40;
const IN_FLIGHT_MAX = 5;
const SEEDS = simSeeds(24).seeds;
const names = { simulation: "crash simulation", testPath: "test/broker/crash-sim.test.ts" };
const bounds = { maxSteps: 200_000, maxVirtualMs: 120_000 };
const options = { nodeId: 1, dataDir: "/data", host: "127.0.0.1", port: 0 };

interface Phase1 {
  acked: Map<number, number>;
  producerId: number;
  errorsBeforeCrash: unknown[];
}

/** Produces durably, 5 in flight, and cuts the power after a seeded number of acks. */
async function produceUntilCrash(world: SimWorld, rt: Runtime): Promise<Phase1> {
  const broker = await Broker.open(rt, options);
  await broker.createTopic({ name: "t" });
  const { producerId } = await broker.initProducerId();
  const crashAfterAcks = world.random.int(BATCHES);
  const acked = new Map<number, number>();
  const errorsBeforeCrash: unknown[] = [];
  let crashed = false;
  let onCrash!: () => void;
  const crash = new Promise<void>((resolve) => (onCrash = resolve));
  for (let from = 0; from < BATCHES && !crashed; from += IN_FLIGHT_MAX) {
    const group: Promise<void>[] = [];
    for (let seq = from; seq < Math.min(from + IN_FLIGHT_MAX, BATCHES); seq++) {
      const bytes = batch([`v${seq}`], { producerId, producerEpoch: 0, baseSequence: seq });
      group.push(
        broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 }).then(
          (result) => {
            if (crashed) return;
            acked.set(seq, result.baseOffset);
            if (acked.size > crashAfterAcks) {
              crashed = true;
              world.crash("b1");
              onCrash();
            }
          },
          (err: unknown) => {
            if (!crashed) errorsBeforeCrash.push(err);
          },
        ),
      );
    }
    await Promise.race([Promise.all(group), crash]);
  }
  if (!crashed) {
    world.crash("b1");
  }
  return { acked, producerId, errorsBeforeCrash };
}

async function reopenAndCheck(rt: Runtime, phase1: Phase1): Promise<void> {
  const broker = await Broker.open(rt, options);
  const before = await readAll(broker, "t");
  for (const [seq, offset] of phase1.acked) {
    expect(before.find((r) => r.offset === offset)?.value, `acked v${seq} at ${offset}`).toBe(
      `v${seq}`,
    );
  }
  // The producer resends everything it has no ack for, in order, with the same sequences.
  const { producerId } = phase1;
  for (let seq = 0; seq < BATCHES; seq++) {
    if (phase1.acked.has(seq)) continue;
    const bytes = batch([`v${seq}`], { producerId, producerEpoch: 0, baseSequence: seq });
    await broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
  }
  const after = await readAll(broker, "t");
  expect(after.map((r) => r.value)).toEqual(Array.from({ length: BATCHES }, (_, i) => `v${i}`));
  await broker.close();
}

describe("durable produce across simulated crashes", () => {
  for (const seed of SEEDS) {
    it(`keeps every acknowledged record (seed ${seed})`, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("b1");
      await runWatchedSeed(seed, names, async () => {
        const phase1 = await world.run(() => produceUntilCrash(world, rt), bounds);
        expect(phase1.errorsBeforeCrash).toEqual([]);
        await world.run(() => reopenAndCheck(rt, phase1), bounds);
      });
    });
  }
});
