/**
 * The line holding an offset, from the ascending offsets where lines start: the last line whose
 * start is at or before the offset (binary search). Shared by the save parser's edit path, the
 * shell parser's positions and the language server's documents.
 */
export function lineAt(starts: ArrayLike<number>, count: number, at: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
