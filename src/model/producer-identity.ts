// Who a producer is to the broker's idempotence: Kafka's producer id and epoch. Both are
// JavaScript numbers (exact up to 2^53).

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}
