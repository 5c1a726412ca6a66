// Which old segments retention deletes. Pure: the partition log does the deleting.
//
// Only a prefix of the segments goes, never the active (last) one, so the log stays contiguous:
// - retention.ms: a segment whose newest record is older than nowMs - retentionMs (segments
//   without timestamps age from their creation time);
// - retention.bytes: the oldest segments while the log minus them is still over retentionBytes.
// A segment goes when either rule says so; the prefix stops at the first segment both keep.

export interface RetainedSegment {
  readonly baseOffset: number;
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
): number {
  let excessBytes = -1;
  if (policy.retentionBytes >= 0) {
    let totalBytes = 0;
    for (const segment of segments) totalBytes += segment.sizeBytes;
    excessBytes = totalBytes - policy.retentionBytes;
  }
  let count = 0;
  for (; count < segments.length - 1; count++) {
    const segment = segments[count];
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
