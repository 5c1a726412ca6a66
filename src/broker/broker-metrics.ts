// The broker's Prometheus series. Counts come from batch headers (recordCount), never from
// decoding records. Without a registry every call is a no-op.
import type { Counter, MetricsRegistry } from "../metrics/registry.ts";
import type { CollectedSample } from "../metrics/registry.ts";
import type { FileBudgetStats } from "../log/file-cache.ts";

export class BrokerMetrics {
  readonly #produceRecords?: Counter;
  readonly #produceBytes?: Counter;
  readonly #fetchRecords?: Counter;
  readonly #fetchBytes?: Counter;

  /** logSizes is read at every scrape, so deleted partitions disappear from the gauge. */
  constructor(
    registry: MetricsRegistry | undefined,
    logSizes: () => CollectedSample[],
    openFiles: () => FileBudgetStats,
  ) {
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
      logSizes,
    );
    const sample = (value: (stats: FileBudgetStats) => number) => () => [
      { labels: {}, value: value(openFiles()) },
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

  fetched(topic: string, records: number, bytes: number): void {
    if (bytes === 0) return;
    this.#fetchRecords?.inc({ topic }, records);
    this.#fetchBytes?.inc({ topic }, bytes);
  }
}
