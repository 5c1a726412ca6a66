// The product version reported by /v1/health, ApiVersions and the CLI. Kept equal to
// package.json's "version" (test/broker/version.test.ts checks it).
export const VERSION = "0.1.0";
