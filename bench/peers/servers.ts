// The peers' servers, started and stopped by the harness on 127.0.0.1 with a free port and a
// temp directory each, with the durability settings the issue prescribes written beside them.

import { freePort, type Server, startServer, which } from "../proc.ts";

export interface PeerServer {
  port: number;
  /** How this server makes a write durable, as printed beside its numbers. */
  durability: string;
  server: Server;
}

const START_TIMEOUT_MS = 30_000;

/**
 * nats-server with JetStream on file storage. `sync_interval: always` needs nats-server 2.10
 * or later (Debian bookworm ships 2.9.10, which refuses the field), so with an older server
 * the durable run keeps the default lazy fsync and says so.
 */
export async function startNats(
  dir: string,
  durable: boolean,
  syncAlways: boolean,
): Promise<PeerServer> {
  const port = await freePort();
  const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir];
  let durability = "JetStream file store, default lazy fsync (sync_interval 2 min)";
  if (durable && syncAlways) {
    const { writeFileSync } = await import("node:fs");
    const conf = `${dir}/nats.conf`;
    writeFileSync(conf, `jetstream { store_dir: "${dir}", sync_interval: always }\n`);
    args.push("-c", conf);
    durability = "JetStream file store, sync_interval: always";
  } else if (durable) {
    durability = "JetStream file store, default lazy fsync: nats-server < 2.10 has no " +
      "sync_interval: always (NOT durable per write)";
  }
  const server = await startServer("nats-server", args, /Server is ready/, {
    timeoutMs: START_TIMEOUT_MS,
    what: "nats-server",
  });
  return { port, durability, server };
}

/** Whether this nats-server accepts `sync_interval` (2.10 and later). */
export async function natsHasSyncInterval(): Promise<boolean> {
  const { run } = await import("../proc.ts");
  const r = await run("nats-server", ["--version"], { timeoutMs: 10_000 });
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout + r.stderr);
  if (!m) return false;
  return Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 10);
}

/** redis-server with the append-only file on, fsync every second or on every write. */
export async function startRedis(dir: string, durable: boolean): Promise<PeerServer> {
  const port = await freePort();
  const fsync = durable ? "always" : "everysec";
  const server = await startServer(
    "redis-server",
    [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      fsync,
      "--save",
      "",
      "--protected-mode",
      "no",
      "--daemonize",
      "no",
    ],
    /Ready to accept connections/,
    { timeoutMs: START_TIMEOUT_MS, what: "redis-server" },
  );
  return { port, durability: `appendonly yes, appendfsync ${fsync}`, server };
}

export async function peerInstalled(name: "nats-server" | "redis-server"): Promise<boolean> {
  return (await which(name)) !== null;
}
