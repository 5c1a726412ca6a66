// One broker per data directory, with real processes: while a broker runs, a second `serve` on
// its directory (under the same host and under another one) exits 1 with one line naming the
// directory and the holder; after `kill -9` of the holder a restart takes the stale lock over,
// and a clean stop removes the lock file.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  type HostName,
  hosts,
  makeTempDir,
  requireHost,
  runCliProcess,
  startBrokerProcess,
} from "./broker-process.ts";

function serveArgs(dataDir: string): string[] {
  return [
    "serve",
    "--data-dir",
    dataDir,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--http-port",
    "0",
    "--kafka-port",
    "-1",
  ];
}

for (const [i, host] of hosts.entries()) {
  requireHost(host);
  const other: HostName = hosts[(i + 1) % hosts.length];
  requireHost(other);
  describe(`data directory lock under ${host}`, () => {
    const dir = makeTempDir(`tributary-lock-${host}-`);
    const started: BrokerProcess[] = [];

    afterAll(async () => {
      for (const broker of started) await broker.kill9();
      dir.remove();
    });

    it(
      "refuses a second broker, survives kill -9 of the first, unlocks on clean stop",
      async () => {
        const first = await startBrokerProcess(host, { dataDir: dir.path });
        started.push(first);
        for (const second of [host, other]) {
          const refused = await runCliProcess(second, serveArgs(dir.path));
          expect(refused.code, `${second} on a held directory: ${refused.stderr}`).toBe(1);
          expect(refused.stdout).toBe("");
          expect(refused.stderr).toBe(
            `tributary: DATA_DIR_LOCKED: data directory ${dir.path} is locked by pid ` +
              `${first.child.pid} (${host}): another broker is using it (${dir.path}/.lock)\n`,
          );
        }
        // The refused starts left the holder serving.
        expect((await fetch(`${first.httpUrl}/v1/health`)).status).toBe(200);

        await first.kill9();
        expect(existsSync(join(dir.path, ".lock"))).toBe(true);
        const restarted = await startBrokerProcess(host, { dataDir: dir.path });
        started.push(restarted);
        expect(restarted.stderr()).toContain("datadir.stale_lock_taken");
        expect(restarted.stderr()).toContain(`pid=${first.child.pid}`);
        expect((await fetch(`${restarted.httpUrl}/v1/health`)).status).toBe(200);
        expect(await restarted.stop()).toBe(0);
        expect(existsSync(join(dir.path, ".lock"))).toBe(false);
      },
      120_000,
    );
  });
}
