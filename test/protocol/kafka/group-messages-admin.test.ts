// Golden bytes of ListGroups and DescribeGroups, request and response, at each version whose
// layout differs: hand-assembled from Kafka's message schemas (the grammar atop each message
// file) and annotated field by field.
import { describe, expect, it } from "vitest";
import {
  decodeListGroupsRequest,
  encodeListGroupsResponse,
  type ListGroupsResponse,
} from "../../../src/protocol/kafka/messages/list-groups.ts";
import {
  decodeDescribeGroupsRequest,
  type DescribedGroup,
  encodeDescribeGroupsResponse,
} from "../../../src/protocol/kafka/messages/describe-groups.ts";
import { decodedAll, encoded, parseHex } from "./support/golden.ts";

const CONSUMER = "636f6e73756d6572";
const RANGE = "72616e6765";
const STABLE = "537461626c65";
const CLASSIC = "636c6173736963";

describe("ListGroups requests", () => {
  it("v0-v2 are empty, v3 a tag buffer", () => {
    expect(decodedAll(decodeListGroupsRequest, 2, "")).toEqual({
      statesFilter: [],
      typesFilter: [],
    });
    expect(decodedAll(decodeListGroupsRequest, 3, "00").statesFilter).toEqual([]);
  });

  it("v4: states_filter; v5: types_filter", () => {
    expect(decodedAll(decodeListGroupsRequest, 4, `02 07 ${STABLE} 00`).statesFilter).toEqual([
      "Stable",
    ]);
    expect(decodedAll(decodeListGroupsRequest, 5, `
      01                  # states_filter: none
      02 08 ${CLASSIC}    # types_filter: "classic"
      00                  # tags
    `)).toEqual({ statesFilter: [], typesFilter: ["classic"] });
  });
});

describe("ListGroups responses", () => {
  const body: ListGroupsResponse = {
    errorCode: 0,
    groups: [{
      groupId: "g",
      protocolType: "consumer",
      groupState: "Stable",
      groupType: "classic",
    }],
  };

  it("v0: error, groups with their protocol type; v1-v2 throttle time first", () => {
    expect(encoded((w) => encodeListGroupsResponse(w, 0, body))).toEqual(
      parseHex(`0000 00000001 0001 67 0008 ${CONSUMER}`),
    );
    expect(encoded((w) => encodeListGroupsResponse(w, 2, body))).toEqual(
      parseHex(`00000000 0000 00000001 0001 67 0008 ${CONSUMER}`),
    );
  });

  it("v3 compact, v4 with the state, v5 with the type", () => {
    expect(encoded((w) => encodeListGroupsResponse(w, 3, body))).toEqual(
      parseHex(`00000000 0000 02 02 67 09 ${CONSUMER} 00 00`),
    );
    expect(encoded((w) => encodeListGroupsResponse(w, 4, body))).toEqual(
      parseHex(`00000000 0000 02 02 67 09 ${CONSUMER} 07 ${STABLE} 00 00`),
    );
    expect(encoded((w) => encodeListGroupsResponse(w, 5, body))).toEqual(
      parseHex(`00000000 0000 02 02 67 09 ${CONSUMER} 07 ${STABLE} 08 ${CLASSIC} 00 00`),
    );
  });
});

describe("DescribeGroups", () => {
  it("requests: v0-v2 names, v3-v4 and the authorized-operations flag, v5 compact", () => {
    expect(decodedAll(decodeDescribeGroupsRequest, 0, "00000002 0001 67 0001 68")).toEqual({
      groups: ["g", "h"],
      includeAuthorizedOperations: false,
    });
    expect(decodedAll(decodeDescribeGroupsRequest, 4, "00000001 0001 67 01")).toEqual({
      groups: ["g"],
      includeAuthorizedOperations: true,
    });
    expect(decodedAll(decodeDescribeGroupsRequest, 5, "02 02 67 00 00").groups).toEqual(["g"]);
  });

  const group: DescribedGroup = {
    errorCode: 0,
    groupId: "g",
    groupState: "Stable",
    protocolType: "consumer",
    protocolData: "range",
    members: [{
      memberId: "m",
      groupInstanceId: "i",
      clientId: "c",
      clientHost: "h",
      memberMetadata: new Uint8Array([1, 2]),
      memberAssignment: new Uint8Array([3]),
    }],
  };

  it("v0 response", () => {
    expect(encoded((w) => encodeDescribeGroupsResponse(w, 0, [group]))).toEqual(parseHex(`
      00000001                     # groups: 1
      0000 0001 67                 # error_code, group_id
      0006 ${STABLE} 0008 ${CONSUMER} 0005 ${RANGE}   # state, protocol type, protocol data
      00000001                     # members: 1
      0001 6d 0001 63 0001 68      # member_id, client_id, client_host
      00000002 0102 00000001 03    # metadata, assignment
    `));
  });

  it("v1-v2 throttle time; v3 authorized operations (omitted); v4 instance ids", () => {
    const member = "0001 63 0001 68 00000002 0102 00000001 03";
    const head = `0000 0001 67 0006 ${STABLE} 0008 ${CONSUMER} 0005 ${RANGE} 00000001`;
    expect(encoded((w) => encodeDescribeGroupsResponse(w, 2, [group]))).toEqual(
      parseHex(`00000000 00000001 ${head} 0001 6d ${member}`),
    );
    expect(encoded((w) => encodeDescribeGroupsResponse(w, 3, [group]))).toEqual(
      parseHex(`00000000 00000001 ${head} 0001 6d ${member} 80000000`),
    );
    expect(encoded((w) => encodeDescribeGroupsResponse(w, 4, [group]))).toEqual(
      parseHex(`00000000 00000001 ${head} 0001 6d 0001 69 ${member} 80000000`),
    );
  });

  it("v5: compact, tags", () => {
    expect(encoded((w) => encodeDescribeGroupsResponse(w, 5, [group]))).toEqual(parseHex(`
      00000000 02
      0000 02 67 07 ${STABLE} 09 ${CONSUMER} 06 ${RANGE}
      02 02 6d 02 69 02 63 02 68 03 0102 02 03 00   # the member, tags
      80000000 00                                  # authorized operations, group tags
      00
    `));
  });
});
