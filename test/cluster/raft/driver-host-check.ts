// A single-voter RaftDriver on a host's real disk, the same steps under every runtime:
// driver-hosts.test.ts runs it in-process under Node and as a child under Deno and Bun
// (driver-host-main.ts), and compares what each saw.
import type { Runtime } from "../../../runtime/types.ts";
import { RaftDriver } from "../../../src/cluster/raft/driver.ts";
import { LOG_FILE, RAFT_DIR } from "../../../src/cluster/raft/storage.ts";
import type { Logger } from "../../../src/logging/logger.ts";
import { silentLogger } from "../../../src/logging/logger.ts";

export interface DriverHostResult {
  acks: Array<{ index: number; term: number }>;
  /** What the restarted driver redelivered: its snapshot, then the entries after it. */
  redelivered: string[];
  files: string[];
  /** Log events of the restart (the torn tail cut). */
  events: string[];
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

async function openLeader(host: Runtime, dataDir: string, seen: string[], logger: Logger) {
  const driver = await RaftDriver.open(host, {
    dataDir,
    config: {
      nodeId: 1,
      voterIds: [1],
      electionTimeoutMs: 40,
      heartbeatIntervalMs: 10,
      appendEntriesMax: 16,
    },
    logger,
    snapshotEveryEntries: 3,
    transport: { send: () => {} },
    takeSnapshot: (index) => utf8.encode(`image@${index}`),
  });
  driver.onSnapshot((index, term, data) =>
    seen.push(`snapshot ${index}@${term} ${fromUtf8.decode(data)}`)
  );
  driver.onCommit((entries) => {
    for (const e of entries) {
      seen.push(`${e.index}@${e.term} ${e.data === null ? "noop" : fromUtf8.decode(e.data)}`);
    }
  });
  const leader = new Promise<void>((resolve) =>
    driver.onLeaderChange((id) => id === 1 && resolve())
  );
  driver.start();
  await leader;
  return driver;
}

export async function driverHostCheck(host: Runtime): Promise<DriverHostResult> {
  const dataDir = await host.fs.makeTempDir("tributary-raft-");
  try {
    const first = await openLeader(host, dataDir, [], silentLogger);
    const acks = [];
    for (const tag of ["a", "b", "c", "d"]) acks.push(await first.propose(utf8.encode(tag)));
    await first.close();
    // A torn frame at the end, as a power cut during an append leaves one.
    const log = await host.fs.open(`${dataDir}/${RAFT_DIR}/${LOG_FILE}`, { write: true });
    await log.append(new Uint8Array([0, 0, 0, 40, 1, 2, 3]));
    await log.sync();
    await log.close();
    const events: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      enabled: () => true,
      warn: (event) => void events.push(event),
      with: () => logger,
    };
    const redelivered: string[] = [];
    const second = await openLeader(host, dataDir, redelivered, logger);
    await second.propose(utf8.encode("e"));
    await second.close();
    const files = (await host.fs.list(`${dataDir}/${RAFT_DIR}`)).map((e) => e.name).sort();
    return { acks, redelivered, files, events };
  } finally {
    await host.fs.remove(dataDir, { recursive: true });
  }
}
