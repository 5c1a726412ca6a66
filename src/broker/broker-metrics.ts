// The broker's Prometheus series. Counts come from batch headers (recordCount), never from
// decoding records. Without a registry every call is a no-op.
import type { Counter, MetricsRegistry } from "../metrics/registry.ts";
import type { CollectedSample } from "../metrics/registry.ts";
import type { FileBudgetStats } from "../log/file-cache.ts";

/** Per-scrape samples of the storage gauges (docs/http.md, GET /metrics). */
export interface StorageSamples {
  logSizes: () => CollectedSample[];
  /** 1 for a partition whose writes fail for a full disk, 0 otherwise. */
  writeDegraded: () => CollectedSample[];
  /** 1 for a partition that is offline, 0 otherwise. */
  offline: () => CollectedSample[];
  /** 1 for a log dir with any offline or write-degraded partition, 0 otherwise. */
  logDirDegraded: () => CollectedSample[];
  /** The data directory's descriptor budget (open-files.ts). */
  openFiles: () => FileBudgetStats;
}

export class BrokerMetrics {
  readonly #produceRecords?: Counter;
  readonly #produceBytes?: Counter;
  readonly #produceDuplicates?: Counter;
  readonly #fetchRecords?: Counter;
  readonly #fetchBytes?: Counter;

  /** The storage samples are read at every scrape, so deleted partitions disappear from them. */
  constructor(registry: MetricsRegistry | undefined, storage: StorageSamples) {
    if (registry === undefined) return;
    const topic = ["topic"];
    this.#produceRecords = registry.counter(
      "tributary_produce_records_total",
      "Records appended by produce requests.",
      topic,
    );
    this.#produceBytes = registry.counter(
      "tributary_produce_bytes_total",
      "Record batch bytes appended by produce requests.",
      topic,
    );
    this.#produceDuplicates = registry.counter(
      "tributary_produce_duplicate_batches_total",
      "Idempotent batches recognised as retries of ones already written (answered, not appended).",
      topic,
    );
    this.#fetchRecords = registry.counter(
      "tributary_fetch_records_total",
      "Records returned by fetch requests.",
      topic,
    );
    this.#fetchBytes = registry.counter(
      "tributary_fetch_bytes_total",
      "Record batch bytes returned by fetch requests.",
      topic,
    );
    registry.gauge(
      "tributary_log_size_bytes",
      "Bytes on disk of each partition's log.",
      ["topic", "partition"],
      storage.logSizes,
    );
    registry.gauge(
      "tributary_partition_write_degraded",
      "1 while a partition's appends fail because its disk is full (reads still serve).",
      ["topic", "partition"],
      storage.writeDegraded,
    );
    registry.gauge(
      "tributary_partition_offline",
      "1 while a partition is offline: every request to it fails with KAFKA_STORAGE_ERROR.",
      ["topic", "partition"],
      storage.offline,
    );
    registry.gauge(
      "tributary_log_dir_degraded",
      "1 while a log dir has an offline or write-degraded partition.",
      ["dir"],
      storage.logDirDegraded,
    );
    const sample = (value: (stats: FileBudgetStats) => number) => () => [
      { labels: {}, value: value(storage.openFiles()) },
    ];
    registry.gauge(
      "tributary_log_open_files",
      "File descriptors the data directory holds open now.",
      [],
      sample((s) => s.open),
    );
    registry.gauge(
      "tributary_log_open_files_max",
      "The data directory's descriptor budget (log.open.files.max).",
      [],
      sample((s) => s.openFilesMax),
    );
    registry.gauge(
      "tributary_log_open_file_evictions",
      "Idle file handles closed to stay within log.open.files.max, since start.",
      [],
      sample((s) => s.evictions),
    );
  }

  produced(topic: string, records: number, bytes: number): void {
    this.#produceRecords?.inc({ topic }, records);
    this.#produceBytes?.inc({ topic }, bytes);
  }

  /** batches of a produce were retries of batches already written or being written. */
  duplicates(topic: string, batches: number): void {
    this.#produceDuplicates?.inc({ topic }, batches);
  }

  /** A deleted topic's series go, so a scrape shows only topics that exist. */
  topicDeleted(topic: string): void {
    for (
      const counter of [
        this.#produceRecords,
        this.#produceBytes,
        this.#produceDuplicates,
        this.#fetchRecords,
        this.#fetchBytes,
      ]
    ) {
      counter?.remove({ topic });
    }
  }

  fetched(topic: string, records: number, bytes: number): void {
    if (bytes === 0) return;
    this.#fetchRecords?.inc({ topic }, records);
    this.#fetchBytes?.inc({ topic }, bytes);
  }
}
