// Which old segments retention deletes. Pure: the partition log does the deleting.
//
// A prefix of the segments goes, the active (last) one included when it is due and not empty,
// as Kafka does it (the log then rolls a new empty active segment at the log end first):
// - retention.ms: a segment whose newest record is older than nowMs - retentionMs (segments
//   without timestamps age from their creation time);
// - retention.bytes: the oldest segments while the log minus them is still over retentionBytes.
// A segment goes when either rule says so; the prefix stops at the first segment both keep, and
// at the first one reaching past upToOffset (the high watermark: uncommitted data stays).

export interface RetainedSegment {
  readonly baseOffset: number;
  /** One past the last offset the segment holds. */
  readonly nextOffset: number;
  readonly sizeBytes: number;
  /** Newest record timestamp, -1 when no batch carries one. */
  readonly maxTimestamp: number;
  readonly createdMs: number;
}

export interface RetentionPolicy {
  retentionMs: number;
  retentionBytes: number;
}

/** How many of the oldest segments retention deletes now. */
export function segmentsToDelete(
  segments: readonly RetainedSegment[],
  policy: RetentionPolicy,
  nowMs: number,
  upToOffset: number = Number.MAX_SAFE_INTEGER,
): number {
  let excessBytes = -1;
  if (policy.retentionBytes >= 0) {
    let totalBytes = 0;
    for (const segment of segments) totalBytes += segment.sizeBytes;
    excessBytes = totalBytes - policy.retentionBytes;
  }
  let count = 0;
  for (; count < segments.length; count++) {
    const segment = segments[count];
    const isLast = count === segments.length - 1;
    const upper = isLast ? segment.nextOffset : segments[count + 1].baseOffset;
    if (upper > upToOffset || (isLast && segment.nextOffset === segment.baseOffset)) break;
    const bySize = excessBytes >= segment.sizeBytes && policy.retentionBytes >= 0;
    if (!bySize && !expired(segment, policy, nowMs)) break;
    if (policy.retentionBytes >= 0) excessBytes -= segment.sizeBytes;
  }
  return count;
}

function expired(segment: RetainedSegment, policy: RetentionPolicy, nowMs: number): boolean {
  if (policy.retentionMs < 0) return false;
  const newestMs = segment.maxTimestamp >= 0 ? segment.maxTimestamp : segment.createdMs;
  return nowMs - newestMs > policy.retentionMs;
}
