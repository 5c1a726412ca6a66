// `tributary consume TOPIC [--from-beginning | --partition P [--offset N|earliest|latest]]
// [--max-messages N] [--timeout-ms N]`: prints one value per line (null as "null", like
// Kafka's console consumer). Stops after --max-messages records, after --timeout-ms without a
// record, or on SIGINT/SIGTERM.
//
// With --group G it consumes as a member of group G: the group assigns the partitions, it
// starts at the group's committed offsets (--from-beginning: earliest where none is
// committed, else latest), and before exiting it commits what it printed and leaves the group.

import { Admin } from "../client/admin.ts";
import { Consumer, type ConsumerRecord, type TopicPartition } from "../client/consumer.ts";
import {
  boolFlag,
  expectPositionals,
  intFlag,
  parseArgs,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "../args/args.ts";
import { clientFlagSpecs, type CliRuntime, clusterOptionsOf, io } from "./client-flags.ts";

const specs = {
  ...clientFlagSpecs,
  "from-beginning": { type: "boolean" },
  partition: { type: "integer" },
  offset: { type: "string" },
  "max-messages": { type: "integer" },
  "timeout-ms": { type: "integer" },
  "print-key": { type: "boolean" },
  "key-separator": { type: "string" },
  group: { type: "string" },
  "session-timeout-ms": { type: "integer" },
} as const;

type Start = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: number };

export async function consumeCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, specs);
  const [topic] = expectPositionals(
    args,
    ["TOPIC"],
    "tributary consume TOPIC [--group G] [--from-beginning | --partition P --offset N]",
  );
  const maxMessages = intFlag(args, "max-messages") ?? Infinity;
  const timeoutMs = intFlag(args, "timeout-ms") ?? Infinity;
  if (maxMessages < 1) throw new UsageError("--max-messages must be at least 1");
  const print: PrintOptions = {
    maxMessages,
    timeoutMs,
    printKey: boolFlag(args, "print-key"),
    separator: stringFlag(args, "key-separator") ?? "\t",
  };
  const group = stringFlag(args, "group");
  if (group !== undefined) return await consumeInGroup(rt, args, topic, group, print);
  const start = startOf(args);
  const partition = intFlag(args, "partition");
  const tps = await partitionsOf(rt, args, topic, partition);
  const consumer = new Consumer(rt, { ...clusterOptionsOf(args), autoOffsetReset: "earliest" });
  const stopSignals = (["SIGINT", "SIGTERM"] as const).map((s) =>
    io(rt).onSignal(s, () => void consumer.close())
  );
  try {
    consumer.assign(tps);
    if (start.kind === "earliest") consumer.seekToBeginning();
    else if (start.kind === "latest") consumer.seekToEnd();
    else consumer.seek(tps[0], start.offset);
    await printRecords(rt, consumer, print);
  } finally {
    for (const off of stopSignals) off();
    await consumer.close();
  }
}

async function consumeInGroup(
  rt: CliRuntime,
  args: ParsedArgs,
  topic: string,
  groupId: string,
  print: PrintOptions,
): Promise<void> {
  if (intFlag(args, "partition") !== undefined || stringFlag(args, "offset") !== undefined) {
    throw new UsageError(
      "--group takes its partitions and offsets from the group: no --partition or --offset",
    );
  }
  // A group subscribed to a missing topic would wait forever for partitions: fail instead.
  await partitionsOf(rt, args, topic, undefined);
  const sessionTimeoutMs = intFlag(args, "session-timeout-ms");
  const consumer = new Consumer(rt, {
    ...clusterOptionsOf(args),
    groupId,
    topics: [topic],
    autoOffsetReset: boolFlag(args, "from-beginning") ? "earliest" : "latest",
    ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}),
  });
  // The first signal stops consuming; close() then commits and leaves the group.
  let stopping = false;
  const stopSignals = (["SIGINT", "SIGTERM"] as const).map((s) =>
    io(rt).onSignal(s, () => void (stopping = true))
  );
  try {
    await printRecords(rt, consumer, print, () => stopping);
  } finally {
    for (const off of stopSignals) off();
    // Commits what was printed (auto-commit is on) and leaves; a failure is the exit status.
    await consumer.close();
  }
}

function startOf(args: ParsedArgs): Start {
  const fromBeginning = boolFlag(args, "from-beginning");
  const offset = stringFlag(args, "offset");
  const partition = intFlag(args, "partition");
  if (offset !== undefined && partition === undefined) {
    throw new UsageError("--offset needs --partition");
  }
  if (fromBeginning && offset !== undefined) {
    throw new UsageError("--from-beginning and --offset exclude each other");
  }
  if (fromBeginning || offset === "earliest") return { kind: "earliest" };
  if (offset === undefined || offset === "latest") return { kind: "latest" };
  if (!/^\d{1,16}$/.test(offset)) {
    throw new UsageError(`--offset must be a number, earliest or latest, got "${offset}"`);
  }
  return { kind: "offset", offset: Number(offset) };
}

async function partitionsOf(
  rt: CliRuntime,
  args: ParsedArgs,
  topic: string,
  partition: number | undefined,
): Promise<TopicPartition[]> {
  const admin = new Admin(rt, clusterOptionsOf(args));
  try {
    const description = await admin.describeTopic(topic);
    if (partition === undefined) {
      return description.partitions.map((p) => ({ topic, partition: p.partition }));
    }
    if (!description.partitions.some((p) => p.partition === partition)) {
      throw new UsageError(`topic "${topic}" has no partition ${partition}`);
    }
    return [{ topic, partition }];
  } finally {
    await admin.close();
  }
}

interface PrintOptions {
  maxMessages: number;
  timeoutMs: number;
  printKey: boolean;
  separator: string;
}

async function printRecords(
  rt: CliRuntime,
  consumer: Consumer,
  options: PrintOptions,
  stopped: () => boolean = () => consumer.closed,
): Promise<void> {
  const decoder = new TextDecoder();
  const text = (bytes: Uint8Array | null) => (bytes === null ? "null" : decoder.decode(bytes));
  const line = (
    r: ConsumerRecord,
  ) => (options.printKey
    ? `${text(r.key)}${options.separator}${text(r.value)}\n`
    : `${text(r.value)}\n`);
  let printed = 0;
  let idleSinceMs = rt.clock.monotonicMs();
  while (printed < options.maxMessages && !stopped()) {
    const leftMs = options.timeoutMs - (rt.clock.monotonicMs() - idleSinceMs);
    if (leftMs <= 0) return;
    const records = await consumer.poll({
      timeoutMs: Math.min(leftMs, 1000),
      maxRecords: Math.min(500, options.maxMessages - printed),
    });
    if (records.length === 0) {
      if (stopped()) return;
      continue;
    }
    idleSinceMs = rt.clock.monotonicMs();
    printed += records.length;
    await io(rt).writeStdout(records.map(line).join(""));
  }
}
