// Counts open connections in all and per remote address, for max.connections and
// max.connections.per.ip; a connection over either cap is refused (see refusal.ts).
import type { ConnectionRefusal } from "../../types.ts";

export interface ConnectionCaps {
  readonly connectionsMax: number;
  readonly connectionsPerIpMax: number;
}

export class ConnectionCounter {
  readonly #caps: ConnectionCaps;
  readonly #perIp = new Map<string, number>();
  #open = 0;

  constructor(caps: ConnectionCaps) {
    this.#caps = caps;
  }

  get open(): number {
    return this.#open;
  }

  /** Why a new connection from address must be refused, or null when it may be admitted. */
  refusal(address: string, port: number): ConnectionRefusal | null {
    const { connectionsMax, connectionsPerIpMax } = this.#caps;
    const remote = `${address}:${port}`;
    if (this.#open >= connectionsMax) {
      const reason = `the broker has ${this.#open} connections (max.connections=${connectionsMax})`;
      return { remote, limit: "max.connections", reason };
    }
    const fromIp = this.#perIp.get(address) ?? 0;
    if (fromIp >= connectionsPerIpMax) {
      const reason =
        `${address} has ${fromIp} connections (max.connections.per.ip=${connectionsPerIpMax})`;
      return { remote, limit: "max.connections.per.ip", reason };
    }
    return null;
  }

  admit(address: string): void {
    this.#open++;
    this.#perIp.set(address, (this.#perIp.get(address) ?? 0) + 1);
  }

  release(address: string): void {
    this.#open--;
    const left = (this.#perIp.get(address) ?? 1) - 1;
    if (left > 0) this.#perIp.set(address, left);
    else this.#perIp.delete(address);
  }
}
