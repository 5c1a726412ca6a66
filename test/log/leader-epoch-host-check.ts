// The leader-epoch checkpoint on a host's real disk, the same steps under every runtime:
// leader-epoch-hosts.test.ts runs it in-process under Node and as a child under Deno and Bun
// (leader-epoch-host-main.ts), and compares what each saw.

import type { Runtime } from "../../runtime/types.ts";
import { LEADER_EPOCH_CHECKPOINT_FILE } from "../../src/log/leader-epoch-checkpoint.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";

export interface HostCheckResult {
  afterAppends: string;
  afterTruncate: string;
  reopened: string;
  rebuiltFrom: string;
  rebuilt: string;
  names: string[];
}

function batchOf(count: number): Uint8Array {
  const value = new TextEncoder().encode("v");
  return encodeBatch({
    records: Array.from({ length: count }, () => ({ key: null, value, timestamp: 1 })),
  });
}

export async function hostCheck(host: Runtime): Promise<HostCheckResult> {
  const rt = { fs: host.fs, clock: host.clock, timers: host.timers };
  const temp = await host.fs.makeTempDir("tributary-epochs-");
  const dir = `${temp}/t-0`;
  const path = `${dir}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
  const text = async () => new TextDecoder().decode(await host.fs.readFile(path));
  const load = { leaderEpochs: true };
  try {
    let log = await PartitionLog.open(rt, dir, { segmentBytes: 300 }, load);
    for (const leaderEpoch of [0, 0, 3, 3, 5]) {
      await log.append(batchOf(2), { leaderEpoch, durable: true });
    }
    const afterAppends = await text();
    await log.truncateTo(8);
    const afterTruncate = await text();
    await log.close();
    log = await PartitionLog.open(rt, dir, { segmentBytes: 300 }, load);
    const reopened = JSON.stringify(log.leaderEpochs?.entries());
    await log.close();
    await host.fs.remove(path);
    log = await PartitionLog.open(rt, dir, { segmentBytes: 300 }, load);
    const rebuiltFrom = log.leaderEpochs?.loadReport.rebuildReason ?? "";
    const rebuilt = await text();
    await log.close();
    const names = (await host.fs.list(dir)).map((e) => e.name).filter((n) => !n.endsWith(".index"))
      .filter((n) => !n.endsWith(".timeindex") && !n.endsWith(".log")).sort();
    return { afterAppends, afterTruncate, reopened, rebuiltFrom, rebuilt, names };
  } finally {
    await host.fs.remove(temp, { recursive: true });
  }
}
