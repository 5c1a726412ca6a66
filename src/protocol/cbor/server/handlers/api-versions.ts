// The ApiVersions handler: the handshake answer, also sent along with UNSUPPORTED_VERSION when
// a client asks for an ApiVersions version this server does not speak.

import { Op, type OpName } from "../../op-codes.ts";
import { OP_VERSIONS, type ResponseBody } from "../../ops/index.ts";
import type { HandlerContext } from "./context.ts";

export function apiVersionsBody(
  ctx: Pick<HandlerContext, "broker" | "serverVersion" | "frameBytesMax"> & {
    /** The listener's operations; default every one. */
    served?: readonly OpName[];
  },
): ResponseBody<"ApiVersions"> {
  const served = ctx.served ?? (Object.keys(Op) as OpName[]);
  const apis = served.map((name) => ({
    op: Op[name],
    name,
    minVersion: OP_VERSIONS[name].min,
    maxVersion: OP_VERSIONS[name].max,
  }));
  return {
    nodeId: ctx.broker.nodeId,
    serverVersion: ctx.serverVersion,
    frameBytesMax: ctx.frameBytesMax,
    apis,
  };
}
