// HTTP serving. The cases that make requests use the host's global fetch(), so they carry
// requiresHostFetch and the simulation skips them.
import { type FetchHandler, IoErrorCode } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { check, checkEqual, checkIoError } from "./check.ts";
import { httpLimitCases } from "./http-limit-cases.ts";

const host = "127.0.0.1";

const echoHandler: FetchHandler = async (request) => {
  const url = new URL(request.url);
  if (url.pathname !== "/echo") return new Response("no such route", { status: 404 });
  const body = await request.text();
  return new Response(`${request.method} ${url.searchParams.get("q")} ${body}`, {
    status: 201,
    headers: { "x-tributary": "conformance" },
  });
};

const serving: ConformanceCase = {
  name: "http: serves a fetch handler on port 0",
  requiresHostFetch: true,
  async run(rt) {
    const server = await rt.http.serve({ host, port: 0, fetch: echoHandler });
    check(server.port > 0, `server picked a port (${server.port})`);
    const base = `http://${host}:${server.port}`;
    const res = await fetch(`${base}/echo?q=1`, { method: "POST", body: "hello" });
    checkEqual(res.status, 201, "status");
    checkEqual(res.headers.get("x-tributary"), "conformance", "response header");
    checkEqual(await res.text(), "POST 1 hello", "response body");
    const missing = await fetch(`${base}/elsewhere`);
    checkEqual(missing.status, 404, "status of an unknown route");
    await missing.body?.cancel();
    await server.close();
    let refusedAfterClose = false;
    try {
      const late = await fetch(`${base}/echo`);
      await late.body?.cancel();
    } catch (err) {
      // fetch() reports connection failures as a TypeError on every host.
      refusedAfterClose = err instanceof TypeError;
    }
    check(refusedAfterClose, "a request after close() fails");
  },
};

const gracefulClose: ConformanceCase = {
  name: "http: close() lets an in-flight request finish",
  requiresHostFetch: true,
  async run(rt) {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = (): void => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await rt.http.serve({
      host,
      port: 0,
      fetch: async () => {
        entered();
        await gate;
        return new Response("finished late");
      },
    });
    const pending = fetch(`http://${host}:${server.port}/slow`);
    await inHandler;
    let closeDone = false;
    const closing = server.close().then(() => void (closeDone = true));
    await rt.timers.sleep(50);
    check(!closeDone, "close() waits for the in-flight request");
    release();
    const res = await pending;
    checkEqual(res.status, 200, "status of the in-flight request");
    checkEqual(await res.text(), "finished late", "body of the in-flight request");
    await closing;
  },
};

const serveAddressInUse: ConformanceCase = {
  name: "http: serving on a taken port fails with EADDRINUSE",
  async run(rt) {
    const listener = await rt.net.listen({ host, port: 0 }, (conn) => void conn.close());
    await checkIoError(
      () => rt.http.serve({ host, port: listener.port, fetch: echoHandler }),
      IoErrorCode.AddressInUse,
      "serve",
    );
    await listener.close();
  },
};

export const httpCases: readonly ConformanceCase[] = [
  serving,
  gracefulClose,
  serveAddressInUse,
  ...httpLimitCases,
];
