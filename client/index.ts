// The typed client of the sliced API: `new SlicedClient({ base, key })` has one method per /v1
// route (and the public documents), `new SlicedAdmin({ base, adminToken })` one per operator route.
// Each method answers the typed success body or throws SlicedError. Only `fetch` is used, so it
// runs in browsers, Node 22 and Workers.
//
//   const sliced = new SlicedClient({ base: "http://127.0.0.1:8787", key });
//   const { result } = await sliced.countEntity({ "query-name": "gold", query: [{ plan: { equals: "gold" } }] });

import { adminRequests, keyRequests, type HttpRequest } from "./requests";
import { exchange, send, type Reply, type SendOptions, type TransportOptions } from "./transport";
import type { ExtractionAnswer, ExtractionBody } from "./types";

export { SlicedError, envelopeErrors, type ApiErrorItem } from "./errors";
export { adminRequests, keyRequests, type Credential, type HttpMethod, type HttpRequest } from "./requests";
export { normaliseBase, type Reply, type SendOptions, type TransportOptions } from "./transport";
export type * from "./types";

/** Builders → methods that send what the builder makes and answer its typed body. */
type Senders<Builders> = {
  [K in keyof Builders]: Builders[K] extends (...args: infer A) => HttpRequest<infer Answer> ? (...args: A) => Promise<Answer> : never;
};

function senders<Builders extends Record<string, (...args: never[]) => HttpRequest<unknown>>>(options: TransportOptions, builders: Builders): Senders<Builders> {
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders)) out[name] = (...args: never[]) => send(options, build(...args));
  return out as Senders<Builders>;
}

abstract class Base {
  protected readonly options: TransportOptions;
  constructor(options: TransportOptions) {
    this.options = { ...options };
  }
  /** Sends any request; the typed answer, or SlicedError. */
  send<Answer>(request: HttpRequest<Answer>, options?: SendOptions): Promise<Answer> {
    return send(this.options, request, options);
  }
  /** Sends any request and answers the whole reply, success or HTTP error (SlicedError only when nothing answered). */
  exchange<Answer>(request: HttpRequest<Answer>, options?: SendOptions): Promise<Reply<Answer>> {
    return exchange(this.options, request, options);
  }
}

export interface SlicedClient extends Senders<typeof keyRequests> {}

/** The /v1 API with one API key (its level decides which methods succeed, API.md §1.2). */
export class SlicedClient extends Base {
  constructor(options: TransportOptions & { key: string }) {
    super(options);
    Object.assign(this, senders(this.options, keyRequests));
  }

  /** Every page of a result extraction, following next-page tokens (the first page's limit holds for all). */
  resultPages(body: ExtractionBody, options?: SendOptions): AsyncGenerator<ExtractionAnswer> {
    return this.pages(keyRequests.result, body, options);
  }

  /** Every page of a score extraction. */
  scorePages(body: ExtractionBody, options?: SendOptions): AsyncGenerator<ExtractionAnswer> {
    return this.pages(keyRequests.score, body, options);
  }

  private async *pages(build: (b: ExtractionBody) => HttpRequest<ExtractionAnswer>, body: ExtractionBody, options?: SendOptions): AsyncGenerator<ExtractionAnswer> {
    let page = await this.send(build(body), options);
    yield page;
    while (page["next-page"] !== null) {
      // A limit next to a page token is refused (code 112): the token carries it.
      const { limit: _limit, ...rest } = body;
      page = await this.send(build({ ...rest, "page-token": page["next-page"] }), options);
      yield page;
    }
  }
}

export interface SlicedAdmin extends Senders<typeof adminRequests> {}

/** The operator API (`Authorization: Bearer <ADMIN_TOKEN>`): databases, health, faults, backups. */
export class SlicedAdmin extends Base {
  constructor(options: TransportOptions & { adminToken: string }) {
    super(options);
    Object.assign(this, senders(this.options, adminRequests));
  }
}
