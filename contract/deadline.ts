// A bound on how long a caller waits for a promise. The work itself is not cancelled (the platform
// cannot cancel an RPC); the caller only stops waiting, so callers must tolerate a late completion.

export const LATE = Symbol("late");

/** The promise's value, or LATE if it has not settled within `ms` (a rejection within `ms` rejects). */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
