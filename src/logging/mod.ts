export * from "./logger.ts";
export * from "./rate-limit.ts";
