/** "Did you mean" suggestions for misspelt keys and values. */

/**
 * Levenshtein edit distance (insertions, deletions, substitutions).
 * @example levenshtein('adress', 'address') === 1
 */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo
 * (1 edit for words of up to 4 letters, else 2 or a third of the word). Case is ignored.
 * @example suggest('adress', ['name', 'address', 'role']) === 'address'
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  // Short words are all within 2 edits of each other ("tcp" → "http" is no typo).
  const limit = word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return bestDist <= limit ? best : undefined;
}
