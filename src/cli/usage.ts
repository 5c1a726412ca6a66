// The CLI's help text (also the reference the README's CLI section follows).

export const usage = `Usage: tributary <command> [flags]

Commands:
  serve [--data-dir ./data] [--host 127.0.0.1] [--http-port 8080] [--port 9093] [--node-id 1]
        [--kafka-port 9092] [--config FILE] [--memory] [--no-auto-create-topics] [--open-files-max N]
        [--log-level error|warn|info|debug] [--log-format text|json]
      Run a broker until SIGINT/SIGTERM. --http-port 0 / --port 0 pick free ports;
      --http-port -1 turns HTTP off, --kafka-port -1 the Kafka protocol listener
      (docs/kafka.md). Prints one line with its addresses once it listens.
      --open-files-max: descriptors the data directory may hold open (default: half of
      ulimit -n).
  serve --node-id N --controller-quorum ID@HOST:PORT,... [--process-roles broker,controller]
        [--controller-port N] [--rack R] [--advertised-host H] [...the flags above]
      One node of a cluster (work in progress: the flags are checked, cluster mode is not
      wired yet). A voter is broker and controller unless --process-roles says otherwise; its
      controller listens on its own quorum entry's port unless --controller-port is given.
      More keys (broker.session.timeout.ms, min.insync.replicas, ...) go in --config.
  topics create NAME [--partitions N] [--replication-factor N] [--config k=v ...]
  topics list
  topics describe NAME [--json]
      Leader, leader epoch, replicas and ISR per partition (--json: also the configs).
  topics add-partitions NAME --partitions N
      Grows NAME to N partitions in all.
  topics reassign NAME --partition P (--replicas 1,2,3 | --cancel) [--timeout-ms N]
      Moves partition P to the given brokers (the new ones copy the data and join the ISR
      before any old one is dropped) and waits for it (default 60000 ms), printing the final
      replicas and ISR; --cancel returns to the replicas from before.
  topics delete NAME
  cluster describe [--json]
      Cluster id, active controller, brokers (id, host, ports, rack, active or fenced).
  cluster elect-leaders [--topic T [--partition P]] [--json]
      Moves each partition's leadership to its preferred (first) replica where that is in sync.
  produce TOPIC [--key-separator SEP] [--acks all|1|0] [--compression CODEC]
      One record per stdin line (key and value split at the first SEP when given); CODEC is
      none (default), gzip, snappy, lz4 or zstd.
  consume TOPIC [--from-beginning | --partition P [--offset N|earliest|latest]]
        [--max-messages N] [--timeout-ms N] [--print-key] [--key-separator SEP]
      Prints one value per line; without a start flag, only records produced from now on.
  consume TOPIC --group G [--from-beginning] [--max-messages N] [--timeout-ms N]
        [--session-timeout-ms N] [--print-key]
      As a member of group G: starts at the group's committed offsets (else at the end, or
      the beginning with --from-beginning); commits what it printed and leaves on exit.
  groups list [--json]
  groups describe GROUP [--json]
      Members and their assignments; committed offset, high watermark and lag per partition.
  groups reset-offsets GROUP --topic T (--to-earliest | --to-latest | --to-offset N |
        --to-datetime ISO8601) [--partition P ...] [--dry-run] [--json]
      Only while the group has no members (else NON_EMPTY_GROUP).
  groups delete GROUP
  perf produce|consume|e2e --topic T [--records N] [--record-size BYTES] [--partitions N]
        [--acks all|1|0] [--batch-bytes N] [--linger-ms N] [--connections N]
        [--rate RECORDS_PER_S] [--http URL [--http-batch-records N]] [--json]
      Load test: creates the topic if missing, prints records/s, MB/s and latency percentiles.

Client commands take --bootstrap HOST:PORT (default 127.0.0.1:9093).
Other flags: --help, --version.
`;
