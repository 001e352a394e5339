// Reading request bodies with the size, content-type and JSON checks of API.md §2.4: a body larger
// than the route accepts is refused before and while it is read, never buffered whole first.

import { ApiError } from "../../contract/errors";
import type { AppContext } from "../app-env";

/** Reads the raw body as text, refusing more than `maxBytes` (1507) before and after reading it. */
export async function readText(c: AppContext, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  // With a declared length (checked above) the runtime reads the body natively and never past that
  // length, which is several times cheaper than pulling a large body through a JS stream reader.
  const buf = Number.isFinite(declared) ? new Uint8Array(await c.req.raw.arrayBuffer()) : await readCapped(c.req.raw.body, maxBytes);
  if (buf.byteLength > maxBytes) throw tooLarge(buf.byteLength, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new ApiError("INVALID_JSON", "the body is not valid UTF-8");
  }
}

/**
 * The body's bytes, stopping as soon as they pass `maxBytes`: a chunked body has no Content-Length,
 * and reading it whole first would let one request fill the isolate's 128 MB before being refused.
 */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ApiError("BODY_TOO_LARGE", `the body has more than ${maxBytes} bytes; this endpoint accepts at most ${maxBytes}`, { max: maxBytes });
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooLarge(bytes: number, max: number): ApiError {
  return new ApiError("BODY_TOO_LARGE", `the body has ${bytes} bytes; this endpoint accepts at most ${max}`, { max });
}

/** Reads a JSON body (Content-Type application/json or absent). An empty body reads as `empty`. */
export async function readJson(c: AppContext, maxBytes: number, empty?: unknown): Promise<unknown> {
  const type = c.req.header("content-type");
  if (type !== undefined && !/^application\/json\b/i.test(type.trim())) {
    throw new ApiError("CONTENT_TYPE_INVALID", `Content-Type must be application/json, got '${type}'`);
  }
  const text = await readText(c, maxBytes);
  if (text.trim() === "" && empty !== undefined) return empty;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError("INVALID_JSON", `the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
