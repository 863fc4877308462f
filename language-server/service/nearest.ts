// "Did you mean": the closest names to a misspelt one, by edit distance.

/** Levenshtein distance, with a swap of two neighbours counted as one edit (EURUDS → EURUSD). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][columns - 1];
}

/**
 * Up to `limit` candidates nearest to `written`, ignoring case and `-`/`_`/`/`, closest first
 * (ties in the candidates' order): those that begin with it, and those within a third of its
 * length in edits, so a wild guess suggests nothing rather than something unrelated.
 */
export function nearestNames(written: string, candidates: readonly string[], limit = 3): string[] {
  const normal = (text: string) => text.toUpperCase().replace(/[-_/ .]/g, '');
  const target = normal(written);
  if (target.length === 0) return [];
  const allowed = Math.max(1, Math.floor(target.length / 3));
  const scored: { name: string; distance: number; index: number }[] = [];
  candidates.forEach((name, index) => {
    const candidate = normal(name);
    // A name cut short (max_orders for max_orders_per_minute) is as near as one typo.
    if (target.length >= 3 && candidate.startsWith(target) && candidate !== target) {
      scored.push({ name, distance: 1, index });
      return;
    }
    if (Math.abs(candidate.length - target.length) > allowed) return;
    const distance = editDistance(target, candidate);
    if (distance <= allowed) scored.push({ name, distance, index });
  });
  scored.sort((a, b) => a.distance - b.distance || a.index - b.index);
  // Only a difference of case or separators: that is the one meant.
  const exact = scored.filter((each) => each.distance === 0);
  return (exact.length > 0 ? exact : scored).slice(0, limit).map((each) => each.name);
}
