// How much durability a producer waits for; the same values as Kafka's acks config.

/** acks: 0 = fire and forget, 1 = leader appended, -1 ("all") = durable on every ISR replica. */
export type Acks = 0 | 1 | -1;
