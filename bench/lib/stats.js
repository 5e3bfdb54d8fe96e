// Small statistics helpers for the harness (no dependencies).

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** { median, min, max, n } of a list of numbers. */
export function summary(values) {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    n: finite.length,
  };
}

/**
 * Ratio of `values` to `baseline`: the ratio of the medians, and the range of
 * the per-repetition ratios (repetition i of one against repetition i of the
 * other: they ran back to back).
 */
export function ratio(values, baseline) {
  const pairs = [];
  for (let i = 0; i < Math.min(values.length, baseline.length); i++) {
    if (Number.isFinite(values[i]) && Number.isFinite(baseline[i]) && baseline[i] !== 0) pairs.push(values[i] / baseline[i]);
  }
  return {
    ratio: median(values.filter(Number.isFinite)) / median(baseline.filter(Number.isFinite)),
    pairMin: pairs.length ? Math.min(...pairs) : NaN,
    pairMax: pairs.length ? Math.max(...pairs) : NaN,
  };
}
