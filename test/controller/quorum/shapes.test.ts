// The controller's own record and image shapes (src/controller/quorum/image-view.ts) must stay in
// step with src/metadata's: checked by the type checker (npx tsc), and at run time by feeding a
// real MetadataImage to a controller and its records to the codec.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import { QuorumController } from "../../../src/controller/quorum/controller.ts";
import type {
  ControllerRecord,
  ImageSource,
  ImageView,
} from "../../../src/controller/quorum/image-view.ts";
import type * as C from "../../../src/controller/quorum/image-view.ts";
import { MetadataImage } from "../../../src/metadata/image.ts";
import type * as M from "../../../src/metadata/records.ts";
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from "../../../src/metadata/records.ts";
import { validateConfigs } from "./harness.ts";

/** Identical types (optional fields and readonly-ness included), not just mutually assignable. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
// Compile-time checks: a mismatch is a type error in this file. (Spelled out pair by pair: through
// a generic alias or a mapped type the comparison runs with the type still generic, always false.)
const inStep: true[] = [
  true satisfies Same<C.ClusterIdRecord, M.ClusterIdRecord>,
  true satisfies Same<C.RegisterBrokerRecord, M.RegisterBrokerRecord>,
  true satisfies Same<C.BrokerRegistrationChangeRecord, M.BrokerRegistrationChangeRecord>,
  true satisfies Same<C.PartitionChangeRecord, M.PartitionChangeRecord>,
  true satisfies Same<C.TopicRecord, M.TopicRecord>,
  true satisfies Same<C.PartitionRecord, M.PartitionRecord>,
  true satisfies Same<C.ConfigRecord, M.ConfigRecord>,
  true satisfies Same<C.RemoveTopicRecord, M.RemoveTopicRecord>,
  true satisfies Same<C.ProducerIdsRecord, M.ProducerIdsRecord>,
];
/** Every controller record type is listed above (9 of them). */
type Listed =
  | "ClusterIdRecord"
  | "RegisterBrokerRecord"
  | "BrokerRegistrationChangeRecord"
  | "PartitionChangeRecord"
  | "TopicRecord"
  | "PartitionRecord"
  | "ConfigRecord"
  | "RemoveTopicRecord"
  | "ProducerIdsRecord";
const allListed: Same<Listed, ControllerRecord["type"]> = true;
// What the controller writes is what the metadata log carries...
const written: MetadataRecord[] = [] as ControllerRecord[];
// ...and what the committed image is, the controller can read and extend.
const source: ImageSource = new MetadataImage();
const view: ImageView = new MetadataImage();

describe("controller shapes", () => {
  it("every controller record type is one of the metadata records, field for field", () => {
    expect(inStep.length).toBe(9);
    expect(allListed).toBe(true);
    expect(written).toEqual([]);
    expect(source.clusterId).toBeNull();
    expect(view.brokers()).toEqual([]);
  });

  it("a controller over a MetadataImage writes records the codec and the image accept", () => {
    const committed = new MetadataImage();
    const c = new QuorumController({
      image: committed,
      nowMs: 0,
      random: new SeededRandom(1),
      validateConfigs,
    });
    const records: ControllerRecord[] = [...c.bootstrap("abc").records];
    records.push(
      ...c.registerBroker({
        clusterId: "abc",
        brokerId: 1,
        incarnationId: "i1",
        endpoints: [{ listener: "cbor", host: "h", port: 1 }],
        rack: null,
      }, 0).records,
    );
    // The controller's own image moved on; the committed one it was handed did not.
    expect(c.image.broker(1)?.fenced).toBe(true);
    expect(committed.broker(1)).toBeUndefined();
    const replayed = new MetadataImage();
    for (const r of records) replayed.apply(decodeMetadataRecord(encodeMetadataRecord(r)));
    expect(replayed.clusterId).toBe("abc");
    expect(replayed.broker(1)).toEqual(c.image.broker(1));
  });
});
