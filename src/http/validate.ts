// Hand-written request validation: each check names the offending field in its
// INVALID_REQUEST message, so a client sees "records[3].partition must be an integer" rather
// than a generic 400. No schema library: these few shapes do not justify a dependency.

import { TributaryError } from "../model/errors.ts";
import type { ErrorCodeName } from "../model/errors.ts";

export type JsonObject = Record<string, unknown>;

export function invalid(message: string, code: ErrorCodeName = "INVALID_REQUEST"): TributaryError {
  return new TributaryError(code, message);
}

export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isPlainObject(value)) throw invalid(`${field} must be an object`);
  return value;
}

export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(`${field} must be a string`);
  return value;
}

export interface IntegerRange {
  min: number;
  max: number;
}

export function requireInteger(value: unknown, field: string, range: IntegerRange): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw invalid(`${field} must be an integer`);
  }
  if (value < range.min || value > range.max) {
    throw invalid(`${field} must be between ${range.min} and ${range.max}`);
  }
  return value;
}

export function optionalInteger(
  value: unknown,
  field: string,
  range: IntegerRange,
): number | undefined {
  return value === undefined ? undefined : requireInteger(value, field, range);
}

/** Rejects fields this endpoint does not know, so a typo ("partion") is not silently ignored. */
export function rejectUnknownFields(
  obj: JsonObject,
  known: readonly string[],
  where: string,
): void {
  for (const name of Object.keys(obj)) {
    if (!known.includes(name)) {
      throw invalid(`${where} has an unknown field ${JSON.stringify(name)}`);
    }
  }
}

const DIGITS = /^[0-9]{1,16}$/;

/**
 * A non-negative integer from a query string or path segment. Signs, fractions, exponents and
 * anything past 2^53 are refused: they would otherwise round silently.
 */
export function parseIntegerParam(
  raw: string | undefined,
  name: string,
  options: IntegerRange & { default?: number; code?: ErrorCodeName },
): number {
  if (raw === undefined || raw === "") {
    if (options.default !== undefined) return options.default;
    throw invalid(`${name} is required`);
  }
  const value = DIGITS.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw invalid(
      `${name} must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  if (value < options.min || value > options.max) {
    const code = options.code ?? "INVALID_REQUEST";
    throw invalid(`${name} must be between ${options.min} and ${options.max}`, code);
  }
  return value;
}

export function parseEnumParam<T extends string>(
  raw: string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined || raw === "") return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw invalid(`${name} must be one of ${allowed.join(", ")}`);
}

/** A path parameter the route pattern guarantees (Hono types them as possibly undefined). */
export function pathParam(params: Record<string, string | undefined>, name: string): string {
  const value = params[name];
  if (value === undefined) throw invalid(`missing path parameter ${name}`);
  return value;
}
