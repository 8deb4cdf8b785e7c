export type Attempt = { ok: true } | { ok: false; status?: number; retryAfterMs?: number; error: string };

/** One POST of a batch: never throws; a connection error is an attempt without a status. */
export async function postBatch(
  url: string,
  body: Buffer,
  headers: () => Promise<Record<string, string>>,
  signal: AbortSignal,
): Promise<Attempt> {
  try {
    const response = await fetch(url, { method: 'POST', headers: await headers(), body, signal });
    await response.arrayBuffer();
    if (response.ok) return { ok: true };
    return {
      ok: false,
      status: response.status,
      retryAfterMs: retryAfterMs(response),
      error: `HTTP ${response.status}`,
    };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Honoured on 503 and 429, the statuses that mean "come back later". */
function retryAfterMs(response: Response): number | undefined {
  if (response.status !== 503 && response.status !== 429) return undefined;
  const header = response.headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
