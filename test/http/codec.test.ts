import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeBase64, encodeBase64 } from "../../src/http/base64.ts";
import { inputBytes, outputBytes, readBodyBounded, responseFormat } from "../../src/http/codec.ts";
import { TributaryError } from "../../src/model/errors.ts";

const utf8 = new TextEncoder();

function withAccept(accept?: string): Request {
  return new Request("http://x/", { headers: accept === undefined ? {} : { accept } });
}

describe("base64", () => {
  it("round-trips any bytes and matches btoa", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(btoa(String.fromCharCode(...bytes)));
        expect(decodeBase64(text, "f")).toEqual(bytes);
        expect(decodeBase64(text.replace(/=+$/, ""), "f")).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses characters outside the alphabet and impossible lengths", () => {
    for (const bad of ["a", "ab!c", "abc=d", "====", "é123", "-_-_"]) {
      expect(() => decodeBase64(bad, "records[0].key"), bad).toThrow(TributaryError);
    }
  });
});

describe("content negotiation", () => {
  it("chooses CBOR only when ranked above JSON", () => {
    expect(responseFormat(withAccept())).toBe("json");
    expect(responseFormat(withAccept("*/*"))).toBe("json");
    expect(responseFormat(withAccept("application/cbor"))).toBe("cbor");
    expect(responseFormat(withAccept("application/cbor, */*;q=0.1"))).toBe("cbor");
    expect(responseFormat(withAccept("application/cbor;q=0.5, application/json"))).toBe("json");
    expect(responseFormat(withAccept("application/json;q=0.2, application/cbor;q=0.9"))).toBe(
      "cbor",
    );
    expect(responseFormat(withAccept("text/html, application/cbor;q=0"))).toBe("json");
  });
});

describe("record bytes", () => {
  it("maps JSON values to bytes per the documented rules", () => {
    expect(inputBytes(null, "utf8", "v")).toBeNull();
    expect(inputBytes("héllo", "utf8", "v")).toEqual(utf8.encode("héllo"));
    expect(inputBytes({ a: [1, 2] }, "utf8", "v")).toEqual(utf8.encode('{"a":[1,2]}'));
    expect(inputBytes(false, "utf8", "v")).toEqual(utf8.encode("false"));
    expect(inputBytes("AAE=", "base64", "v")).toEqual(Uint8Array.from([0, 1]));
    expect(inputBytes(Uint8Array.from([9]), "base64", "v")).toEqual(Uint8Array.from([9]));
    expect(() => inputBytes(7, "base64", "v")).toThrow(TributaryError);
    expect(() => inputBytes(new Date(0), "utf8", "v")).toThrow(TributaryError);
    expect(() => inputBytes(Infinity, "utf8", "v")).toThrow(TributaryError);
  });

  it("renders bytes per output encoding, json falling back to text", () => {
    const bytes = utf8.encode('{"x":1}');
    expect(outputBytes(bytes, "utf8")).toBe('{"x":1}');
    expect(outputBytes(bytes, "json")).toEqual({ x: 1 });
    expect(outputBytes(utf8.encode("plain"), "json")).toBe("plain");
    expect(outputBytes(bytes, "base64")).toBe("eyJ4IjoxfQ==");
    expect(outputBytes(bytes, "bytes")).toBe(bytes);
    expect(outputBytes(null, "json")).toBeNull();
  });
});

describe("readBodyBounded", () => {
  it("reads bodies up to the limit and refuses one byte more", async () => {
    const ok = new Request("http://x/", { method: "POST", body: "x".repeat(10) });
    expect((await readBodyBounded(ok, 10)).length).toBe(10);
    const over = new Request("http://x/", { method: "POST", body: "x".repeat(11) });
    await expect(readBodyBounded(over, 10)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });
});
