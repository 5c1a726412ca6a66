// The first bytes kcat 1.7.1 (librdkafka 2.0.2) and kafka-python 2.0.2 send on a new
// connection, captured from those clients against a listener that only recorded them.
import { parseHex } from "../../../fixtures/record-batch/hex.ts";

/** kcat -L's first frame: ApiVersions v3 (flexible, request header v2). */
export const KCAT_API_VERSIONS_V3 = parseHex(`
  00000024                 # size 36
  0012 0003 00000001       # api key 18 ApiVersions, version 3, correlation id 1
  0007 72646b61666b61      # client_id "rdkafka" (int16 length even in header v2)
  00                       # header tagged fields: none
  0b 6c696272646b61666b61  # client_software_name "librdkafka" (compact: length + 1)
  06 322e302e32            # client_software_version "2.0.2"
  00                       # body tagged fields: none
`);

/** kafka-python 2.0.2's probe: ApiVersions v0 (request header v1). */
export const KAFKA_PYTHON_API_VERSIONS_V0 = parseHex(`
  0000001c                                  # size 28
  0012 0000 00000001                        # ApiVersions v0, correlation id 1
  0012 6b61666b612d707974686f6e2d322e302e32 # client_id "kafka-python-2.0.2"
`);
