// Broker sessions as the active controller keeps them: when each registered incarnation last
// heartbeated, and which are in controlled shutdown. Kept in memory only (Kafka's
// BrokerHeartbeatManager does the same): a new active controller starts every registered broker
// with a fresh session, so a failover never fences a broker that is alive.

interface Session {
  incarnationId: string;
  lastHeartbeatMs: number;
  shuttingDown: boolean;
}

export class Sessions {
  readonly #sessions = new Map<number, Session>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** A new life (registration) or a heartbeat; a new incarnation starts out of shutdown. */
  touch(brokerId: number, incarnationId: string, nowMs: number): void {
    const s = this.#sessions.get(brokerId);
    if (s !== undefined && s.incarnationId === incarnationId) {
      s.lastHeartbeatMs = Math.max(s.lastHeartbeatMs, nowMs);
      return;
    }
    this.#sessions.set(brokerId, { incarnationId, lastHeartbeatMs: nowMs, shuttingDown: false });
  }

  markShuttingDown(brokerId: number): void {
    const s = this.#sessions.get(brokerId);
    if (s !== undefined) s.shuttingDown = true;
  }

  isShuttingDown(brokerId: number): boolean {
    return this.#sessions.get(brokerId)?.shuttingDown === true;
  }

  deadlineMs(brokerId: number): number | null {
    const s = this.#sessions.get(brokerId);
    return s === undefined ? null : s.lastHeartbeatMs + this.#timeoutMs;
  }

  isExpired(brokerId: number, nowMs: number): boolean {
    const deadline = this.deadlineMs(brokerId);
    return deadline === null || nowMs >= deadline;
  }
}
