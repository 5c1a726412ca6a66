// `tributary produce TOPIC [--key-separator SEP] [--acks all|1|0] [--compression CODEC]`: one
// record per stdin line.
// Prints nothing on success; the first failure ends the command with one line on stderr.

import { Admin } from "../client/admin.ts";
import { type AcksOption, Producer } from "../client/producer.ts";
import { TributaryError } from "../model/errors.ts";
import { COMPRESSION_NAMES, type CompressionName } from "../log/codecs/registry.ts";
import { expectPositionals, parseArgs, stringFlag, UsageError } from "../args/args.ts";
import { clientFlagSpecs, type CliRuntime, clusterOptionsOf, io } from "./client-flags.ts";
import { readLines } from "./lines.ts";

const specs = {
  ...clientFlagSpecs,
  "key-separator": { type: "string" },
  acks: { type: "string" },
  compression: { type: "string" },
  "linger-ms": { type: "integer" },
} as const;

const lineBytesMax = 1024 * 1024;
/** Records awaiting acknowledgement before the command waits for them (bounds memory). */
const pendingRecordsMax = 10_000;

export async function produceCommand(rt: CliRuntime, argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, specs);
  const [topic] = expectPositionals(
    args,
    ["TOPIC"],
    "tributary produce TOPIC [--key-separator SEP] [--acks all|1|0] [--compression CODEC]",
  );
  const acks = parseAcks(stringFlag(args, "acks") ?? "all");
  const compression = parseCompression(stringFlag(args, "compression") ?? "none");
  const separator = stringFlag(args, "key-separator");
  if (separator === "") throw new UsageError("--key-separator must not be empty");
  await checkTopic(rt, args, topic);
  const linger = args.flags["linger-ms"];
  const producer = new Producer(rt, {
    ...clusterOptionsOf(args),
    acks,
    compression,
    lingerMs: typeof linger === "number" ? linger : 5,
    retries: 5,
    metadataWaitMsMax: 5000,
  });
  let failure: unknown = null;
  const onFailure = (err: unknown) => {
    failure ??= err;
  };
  try {
    let pending: Array<Promise<unknown>> = [];
    let lineNumber = 0;
    for await (const line of readLines(io(rt).stdin, lineBytesMax)) {
      if (failure !== null) break;
      lineNumber++;
      pending.push(
        producer.send({ topic, ...splitLine(line, separator, lineNumber) }).catch(onFailure),
      );
      if (pending.length >= pendingRecordsMax) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await producer.flush();
    await Promise.all(pending);
    if (failure !== null) throw failure;
  } finally {
    await producer.close();
  }
}

/** Fails fast, with one clear line, on a broker that is down or a topic that does not exist. */
async function checkTopic(
  rt: CliRuntime,
  args: ReturnType<typeof parseArgs>,
  topic: string,
): Promise<void> {
  const admin = new Admin(rt, clusterOptionsOf(args));
  try {
    await admin.metadata([topic], { allowAutoTopicCreation: true });
  } finally {
    await admin.close();
  }
}

function splitLine(
  line: string,
  separator: string | undefined,
  lineNumber: number,
): { key: string | null; value: string } {
  if (separator === undefined) return { key: null, value: line };
  const at = line.indexOf(separator);
  if (at === -1) {
    throw new TributaryError(
      "INVALID_RECORD",
      `line ${lineNumber} has no key separator "${separator}"`,
    );
  }
  return { key: line.slice(0, at), value: line.slice(at + separator.length) };
}

function parseCompression(text: string): CompressionName {
  if ((COMPRESSION_NAMES as readonly string[]).includes(text)) return text as CompressionName;
  throw new UsageError(
    `--compression must be one of ${COMPRESSION_NAMES.join(", ")}, got "${text}"`,
  );
}

function parseAcks(text: string): AcksOption {
  if (text === "all" || text === "-1") return "all";
  if (text === "1") return 1;
  if (text === "0") return 0;
  throw new UsageError(`--acks must be all, 1 or 0, got "${text}"`);
}
