// What each operation file exports: the versions it serves and the validators of its two bodies.
// ops/index.ts lists one per operation; the server and the client look operations up there.
//
// The grammar at the top of each file is CDDL-like: `?` marks an optional key, `[* T]` a list,
// `/` a choice, `;` a comment. Unless its line says otherwise a list holds at most 10,000 items
// and a text at most 32,768 characters (MESSAGE_LIMITS in shape.ts, docs/protocol.md §9).
//
// Every operation is at version 1 for now. A new version adds its body types and a validator
// beside the old ones in the operation's file (and a key in requestValidators); old versions stay
// served until they are retired in a documented release.

import type { CborMap, Shape } from "../shape.ts";

export interface OpVersions {
  readonly min: number;
  readonly max: number;
}

export interface OpModule<Request, Response> {
  /** Versions this code base serves (inclusive). */
  readonly versions: OpVersions;
  /**
   * By version: checks a request body the server read, and returns it typed and bounded; throws
   * INVALID_REQUEST (or a more specific code) when it is wrong.
   */
  readonly requestValidators: Readonly<Record<number, (body: unknown) => Request>>;
  /**
   * Checks a response body the client read (already known to be a map); `shape` fails with
   * UNKNOWN_SERVER_ERROR, so a malformed answer never surfaces as a TypeError later on.
   */
  readonly validateResponse: (shape: Shape, body: CborMap) => Response;
}
