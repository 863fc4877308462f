// "Did you mean": the closest names to a misspelt one, by edit distance.

/** Levenshtein distance, with a swap of two neighbours counted as one edit (EURUDS → EURUSD). */
export function editDistance(a: string, b: string): number {
  const columns = b.length + 1;
  // Three rows are enough for the swap: the one before last, the last, the current.
  let before = new Uint16Array(columns);
  let last = Uint16Array.from({ length: columns }, (_, j) => j);
  let current = new Uint16Array(columns);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(last[j] + 1, current[j - 1] + 1, last[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2] + 1);
      }
      current[j] = best;
    }
    [before, last, current] = [last, current, before];
  }
  return last[columns - 1];
}

const normal = (text: string) => text.toUpperCase().replace(/[-_/ .]/g, '');

/** Per list of candidates: their normal forms, and the answers already given. */
const prepared = new WeakMap<
  readonly string[],
  { normals: string[]; answers: Map<string, string[]> }
>();

/**
 * Up to `limit` candidates nearest to `written`, ignoring case and `-`/`_`/`/`, closest first
 * (ties in the candidates' order): those that begin with it, and those within a third of its
 * length in edits, so a wild guess suggests nothing rather than something unrelated. Answers are
 * remembered per candidate list, so pass the same array for the same list.
 */
export function nearestNames(written: string, candidates: readonly string[], limit = 3): string[] {
  let list = prepared.get(candidates);
  if (list === undefined) {
    list = { normals: candidates.map(normal), answers: new Map() };
    prepared.set(candidates, list);
  }
  const key = `${limit}|${written}`;
  const known = list.answers.get(key);
  if (known !== undefined) return known;
  const answer = rank(normal(written), candidates, list.normals).slice(0, limit);
  if (list.answers.size < 10_000) list.answers.set(key, answer);
  return answer;
}

function rank(target: string, candidates: readonly string[], normals: readonly string[]): string[] {
  if (target.length === 0) return [];
  const allowed = Math.max(1, Math.floor(target.length / 3));
  const scored: { name: string; distance: number; index: number }[] = [];
  normals.forEach((candidate, index) => {
    const name = candidates[index];
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
  return (exact.length > 0 ? exact : scored).map((each) => each.name);
}
