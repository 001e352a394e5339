// The Scalar API reference's standalone browser bundle, taken from @scalar/fastify-api-reference.
// That plugin embeds the exact `@scalar/api-reference/dist/browser/standalone.js` and serves it at
// `<prefix>/js/scalar.js`; depending on it costs 16 small packages and no install script, where
// @scalar/api-reference itself pulls ~280 packages (Vue, its build's dependencies) and vue-demi's
// postinstall. We register the plugin on a minimal host that only records routes, then ask the
// script route for its body: the plugin's public behaviour, no parsing of its source.
import fastifyApiReference from "@scalar/fastify-api-reference";

const PREFIX = "/docs";

/** Answers the standalone bundle's text; throws with a clear message if the plugin changed shape. */
export async function scalarStandaloneBundle() {
  const routes = [];
  const host = {
    route: (r) => routes.push(r),
    hasPlugin: () => false,
    log: { warn: (m) => console.warn(m), info: () => {}, debug: () => {} },
    initialConfig: {},
  };
  await new Promise((resolve, reject) => {
    try {
      fastifyApiReference(host, { routePrefix: PREFIX, configuration: { url: "/openapi.json" } }, (err) => (err ? reject(err) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
  const script = routes.find((r) => r.method === "GET" && typeof r.url === "string" && r.url.endsWith(".js"));
  if (!script) throw new Error(`@scalar/fastify-api-reference registered no script route (saw ${routes.map((r) => r.url).join(", ")})`);
  let body;
  const reply = {
    header: () => reply,
    send: (b) => {
      body = b;
      return reply;
    },
  };
  await script.handler({}, reply);
  if (typeof body !== "string" || !body.includes("createApiReference")) {
    throw new Error("@scalar/fastify-api-reference's script route did not answer the standalone bundle (no createApiReference in it)");
  }
  // The bundle ends with a sourceMappingURL comment for a map we do not ship.
  return body.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
}
