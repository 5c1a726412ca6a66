// The records that rebuild an image from nothing: what a snapshot of the metadata log holds, so
// a node far behind can install the image instead of replaying the whole log (issue 11 §1). One
// record per broker, topic, partition and explicit config, in a fixed order, so two nodes with
// the same image write the same snapshot. A partition that a version 0 PartitionRecord describes
// exactly (ISR = replicas, partition epoch 0: every single-node topic) is written as version 0.
import type { MetadataImage } from "./image.ts";
import type { MetadataRecord, PartitionRecord } from "./records.ts";

export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  if (image.clusterId !== null) out.push({ type: "ClusterIdRecord", clusterId: image.clusterId });
  for (const b of image.brokers()) {
    out.push({
      type: "RegisterBrokerRecord",
      brokerId: b.brokerId,
      incarnationId: b.incarnationId,
      endpoints: b.endpoints.map((e) => ({ ...e })),
      rack: b.rack,
      fenced: b.fenced,
    });
  }
  const topics = [...image.topics()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of topics) {
    out.push({ type: "TopicRecord", name: t.name, topicId: t.topicId, internal: t.internal });
    for (const p of t.partitions) {
      const record: PartitionRecord = {
        type: "PartitionRecord",
        topic: t.name,
        partition: p.partition,
        replicas: [...p.replicas],
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
      };
      const v0 = p.partitionEpoch === 0 && p.isr.length === p.replicas.length &&
        p.isr.every((b, i) => b === p.replicas[i]) && p.targetReplicas === undefined;
      if (v0) out.push(record);
      else if (p.targetReplicas === undefined || p.addingReplicas === undefined) {
        out.push({ ...record, isr: [...p.isr], partitionEpoch: p.partitionEpoch });
      } else {
        out.push({
          ...record,
          isr: [...p.isr],
          partitionEpoch: p.partitionEpoch,
          targetReplicas: [...p.targetReplicas],
          addingReplicas: [...p.addingReplicas],
        });
      }
    }
    for (const name of Object.keys(t.configs).sort()) {
      out.push({ type: "ConfigRecord", topic: t.name, name, value: t.configs[name] });
    }
  }
  if (image.nextProducerIdBlockStart > 0) {
    out.push({ type: "ProducerIdsRecord", nextBlockStart: image.nextProducerIdBlockStart });
  }
  return out;
}
