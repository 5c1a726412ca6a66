// Connections from this node to its peers (controllers for Raft and the broker channel,
// partition leaders for replica fetches), one CBOR connection per peer, opened on first use,
// dropped when it fails and reopened after a back-off. Request/response calls wait for the
// connection; one-way sends (Raft messages) never wait: with no connection they are dropped
// and a connection attempt starts, because Raft resends what matters on its next heartbeat.
import type { Runtime } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import type { Logger } from "../logging/logger.ts";
import { ProtocolClient } from "../protocol/cbor/client.ts";
import type { OpName } from "../protocol/cbor/op-codes.ts";
import type { RequestBody, ResponseBody } from "../protocol/cbor/ops/index.ts";

export interface PeerAddress {
  host: string;
  port: number;
}

export interface PeerLinksOptions {
  clientId: string;
  /** Where a peer is now (it may move between calls: a broker re-registers elsewhere). */
  address: (peerId: number) => PeerAddress | null;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  /** The pause after a failed connection attempt, doubling up to backoffMsMax. */
  backoffMsMin?: number;
  backoffMsMax?: number;
}

type Rt = Pick<Runtime, "net" | "timers" | "clock">;

interface Link {
  address: string;
  client: ProtocolClient | null;
  connecting: Promise<ProtocolClient> | null;
  /** No new attempt before this time. */
  retryAtMs: number;
  backoffMs: number;
}

export class PeerLinks {
  readonly #rt: Rt;
  readonly #options: PeerLinksOptions;
  readonly #links = new Map<number, Link>();
  #closed = false;

  constructor(rt: Rt, options: PeerLinksOptions) {
    this.#rt = rt;
    this.#options = options;
  }

  /** A request to the peer; NETWORK_EXCEPTION when it cannot be reached now. */
  async request<K extends OpName>(
    peerId: number,
    op: K,
    body: RequestBody<K>,
  ): Promise<ResponseBody<K>> {
    const client = await this.#connected(peerId);
    return await client.request(op, body);
  }

  /** A one-way message, dropped when the peer is not connected (a connection is started). */
  send<K extends OpName>(peerId: number, op: K, body: RequestBody<K>): void {
    const link = this.#link(peerId);
    if (link === null) return;
    if (link.client === null) {
      this.#connected(peerId).catch(() => {});
      return;
    }
    link.client.send(op, body).catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#links.values()].map((l) => l.client).filter((c) => c !== null);
    this.#links.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }

  #link(peerId: number): Link | null {
    const at = this.#options.address(peerId);
    if (at === null) return null;
    const address = `${at.host}:${at.port}`;
    let link = this.#links.get(peerId);
    if (link !== undefined && link.address !== address) {
      // The peer moved: forget the old connection.
      void link.client?.close();
      link = undefined;
    }
    if (link === undefined) {
      link = {
        address,
        client: null,
        connecting: null,
        retryAtMs: 0,
        backoffMs: this.#options.backoffMsMin ?? 50,
      };
      this.#links.set(peerId, link);
    }
    return link;
  }

  #connected(peerId: number): Promise<ProtocolClient> {
    if (this.#closed) {
      return Promise.reject(new TributaryError("NETWORK_EXCEPTION", "peer links are closed"));
    }
    const link = this.#link(peerId);
    if (link === null) {
      return Promise.reject(
        new TributaryError("NETWORK_EXCEPTION", `no known address for node ${peerId}`),
      );
    }
    if (link.client !== null) return Promise.resolve(link.client);
    if (link.connecting !== null) return link.connecting;
    if (this.#rt.clock.nowMs() < link.retryAtMs) {
      return Promise.reject(
        new TributaryError("NETWORK_EXCEPTION", `node ${peerId} (${link.address}) unreachable`),
      );
    }
    const [host, port] = splitAddress(link.address);
    link.connecting = ProtocolClient.connect(this.#rt, {
      host,
      port,
      clientId: this.#options.clientId,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      connectTimeoutMs: this.#options.connectTimeoutMs,
    }).then(
      (client) => {
        link.connecting = null;
        if (this.#closed || this.#links.get(peerId) !== link) {
          void client.close();
          throw new TributaryError("NETWORK_EXCEPTION", `link to node ${peerId} was dropped`);
        }
        link.client = client;
        link.backoffMs = this.#options.backoffMsMin ?? 50;
        void client.closed.then(() => {
          if (link.client === client) link.client = null;
        });
        return client;
      },
      (err: unknown) => {
        link.connecting = null;
        link.retryAtMs = this.#rt.clock.nowMs() + link.backoffMs;
        link.backoffMs = Math.min(link.backoffMs * 2, this.#options.backoffMsMax ?? 1_000);
        throw err;
      },
    );
    return link.connecting;
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
