import { describe, expect, it } from "vitest";
import {
  findHeadEnd,
  isHeadError,
  parseRequestHead,
  type RequestHead,
} from "../../../runtime/host/http1/head.ts";
import { encode } from "./wire.ts";

function parse(head: string) {
  return parseRequestHead(encode(head), 100);
}

function parsed(head: string): RequestHead {
  const result = parse(head);
  if (isHeadError(result)) throw new Error(`refused: ${result.message}`);
  return result;
}

describe("http1 request head", () => {
  it("finds the end of a head only at CRLF CRLF", () => {
    const bytes = encode("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest");
    expect(findHeadEnd(bytes, 0, bytes.length)).toBe(bytes.length - 4);
    const lfOnly = encode("GET / HTTP/1.1\nHost: a\n\n");
    expect(findHeadEnd(lfOnly, 0, lfOnly.length)).toBe(-1);
  });

  it("parses method, target, version, fields and framing", () => {
    const head = parsed(
      "POST /topics/t?x=1 HTTP/1.1\r\nHost: b:8080\r\nContent-Length: 12\r\nX-A:  v  \r\n\r\n",
    );
    expect(head.method).toBe("POST");
    expect(head.target).toBe("/topics/t?x=1");
    expect(head.minorVersion).toBe(1);
    expect(head.host).toBe("b:8080");
    expect(head.fields).toContainEqual(["x-a", "v"]);
    expect(head.body).toEqual({ kind: "length", bytes: 12 });
    expect(head.close).toBe(false);
    expect(parsed("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n").body)
      .toEqual({ kind: "chunked" });
  });

  it("keeps HTTP/1.1 alive unless Connection: close, HTTP/1.0 only with keep-alive", () => {
    expect(parsed("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").close).toBe(true);
    expect(parsed("GET / HTTP/1.0\r\n\r\n").close).toBe(true);
    expect(parsed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").close).toBe(false);
  });

  const refused: Array<[string, string, number]> = [
    [
      "Content-Length with Transfer-Encoding",
      "Content-Length: 5\r\nTransfer-Encoding: chunked",
      400,
    ],
    ["two Content-Length", "Content-Length: 5\r\nContent-Length: 5", 400],
    ["a list Content-Length", "Content-Length: 5, 5", 400],
    ["a signed Content-Length", "Content-Length: +5", 400],
    ["a Transfer-Encoding other than chunked", "Transfer-Encoding: gzip, chunked", 400],
    ["two Transfer-Encoding", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", 400],
    ["obs-fold", "X-A: one\r\n two", 400],
    ["a bare CR in a value", "X-A: o\rne", 400],
    ["a space before the colon", "X-A : v", 400],
    ["an invalid header name", "X@A: v", 400],
    ["a control character in a value", "X-A: o\x01ne", 400],
    ["two Host", "Host: b", 400],
    ["an unsupported Expect", "Expect: teapot", 417],
  ];
  for (const [what, fields, status] of refused) {
    it(`refuses ${what} with ${status}`, () => {
      const result = parse(`POST / HTTP/1.1\r\nHost: a\r\n${fields}\r\n\r\n`);
      expect(isHeadError(result) ? result.status : "accepted").toBe(status);
    });
  }

  it("refuses bad request lines and versions", () => {
    const status = (head: string) => {
      const result = parse(head);
      return isHeadError(result) ? result.status : "accepted";
    };
    expect(status("GET / HTTP/2.0\r\nHost: a\r\n\r\n")).toBe(505);
    expect(status("GET / HTTP/0.9\r\nHost: a\r\n\r\n")).toBe(505);
    expect(status("GET / HTTP/1.1 \r\nHost: a\r\n\r\n")).toBe(400);
    expect(status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect(status("GET / http/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect(status("GET / HTTP/1.1\r\n\r\n")).toBe(400); // no Host
    expect(status("GET / HTTP/1.1\nHost: a\r\n\r\n")).toBe(400); // bare LF
    expect(status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")).toBe(400);
  });

  it("bounds the number of fields with 431", () => {
    const fields = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join("");
    const result = parse(`GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`);
    expect(isHeadError(result) ? result.status : "accepted").toBe(431);
  });
});
