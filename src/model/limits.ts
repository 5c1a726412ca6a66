// Request limits that the broker enforces and the wire codecs check before it, so both agree.

/** Partitions one fetch may name. */
export const FETCH_PARTITIONS_MAX = 1000;
