// Bootstrap addresses: "host:port[,host:port...]", IPv6 hosts in brackets ("[::1]:9093").

import { TributaryError } from "../model/errors.ts";

export interface HostPort {
  host: string;
  port: number;
}

export const defaultBootstrap = "127.0.0.1:9093";
const bootstrapEntriesMax = 100;

export function parseBootstrap(bootstrap: string | readonly string[]): HostPort[] {
  const entries = (typeof bootstrap === "string" ? bootstrap.split(",") : [...bootstrap])
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) {
    throw new TributaryError("INVALID_CONFIG", "bootstrap lists no address");
  }
  if (entries.length > bootstrapEntriesMax) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `bootstrap lists more than ${bootstrapEntriesMax} addresses`,
    );
  }
  return entries.map(parseHostPort);
}

export function parseHostPort(entry: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(entry);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `bootstrap address must be host:port, got "${entry}"`,
    );
  }
  return { host: match[1] ?? match[2], port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
