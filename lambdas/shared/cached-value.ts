/**
 * Remembers the first successful read for the life of the container (one Secrets Manager call per
 * cold start); a failed read is not remembered, so the next event tries again.
 */
export function cachedValue<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const attempt = read();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
