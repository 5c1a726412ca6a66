// The records of one decision, applied one by one to a copy of the speculative image as they are
// added, so each is computed from the state the ones before it left (a partition changed twice in
// one decision names the partition epoch the first change produced). A refusal by the image is a
// bug here: the controller only writes what it has checked, and every node must accept it.
import { assert, TributaryError } from "../../model/errors.ts";
import type { ControllerRecord, ImageSource, PartitionChangeRecord } from "./image-view.ts";

export class Batch {
  readonly records: ControllerRecord[] = [];
  #base: ImageSource;
  #image: ImageSource | null = null;

  constructor(base: ImageSource) {
    this.#base = base;
  }

  /** The image with every record added so far. */
  get image(): ImageSource {
    return this.#image ?? this.#base;
  }

  add(record: ControllerRecord): void {
    this.#image ??= this.#base.clone();
    try {
      this.#image.apply(record);
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      assert(false, `the controller wrote a record its image refuses: ${err.code} ${err.message}`);
    }
    this.records.push(record);
  }

  /**
   * Adds a record the image may refuse with a typed error (one built from a request, e.g. a
   * registration with bad endpoints): the refusal is thrown and nothing is added.
   */
  addChecked(record: ControllerRecord): void {
    const next = (this.#image ?? this.#base).clone();
    next.apply(record);
    this.#image = next;
    this.records.push(record);
  }

  /** A change to one partition computed from its current partition epoch. */
  changePartition(
    topicId: string,
    partition: number,
    fields: Pick<
      PartitionChangeRecord,
      "leader" | "isr" | "replicas" | "targetReplicas" | "addingReplicas"
    >,
  ): void {
    const p = this.image.topicById(topicId)?.partitions[partition];
    assert(p !== undefined, `no partition ${topicId}-${partition} to change`);
    this.add({
      type: "PartitionChangeRecord",
      topicId,
      partition,
      partitionEpoch: p.partitionEpoch,
      ...fields,
    });
  }
}
