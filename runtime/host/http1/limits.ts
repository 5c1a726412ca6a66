// Counts open connections in all and per remote address, for max.connections and
// max.connections.per.ip; a connection over either cap is refused (see refusal.ts).

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
  refusal(address: string): string | null {
    const { connectionsMax, connectionsPerIpMax } = this.#caps;
    if (this.#open >= connectionsMax) {
      return `the broker has ${this.#open} connections (max.connections=${connectionsMax})`;
    }
    const fromIp = this.#perIp.get(address) ?? 0;
    if (fromIp >= connectionsPerIpMax) {
      return `${address} has ${fromIp} connections (max.connections.per.ip=${connectionsPerIpMax})`;
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
