// Command-line parsing shared by the commands: util.parseArgs with errors as UsageError (exit 2
// and a pointer to the command's help), numbers checked, and the connection (--base, --key) falling back to
// the environment (SLICED_BASE or SD_API_ADDRESS, SLICED_KEY or SD_API_KEY).

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake on the command line: the message is printed with where the help is, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(
  args: string[],
  options: O,
): { values: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>["values"]; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

export interface Connection {
  base: string;
  key: string;
  timeoutMs: number;
}

export function connection(values: { base?: string | undefined; key?: string | undefined; timeout?: string | undefined }, env: NodeJS.ProcessEnv): Connection {
  const base = values.base ?? env["SLICED_BASE"] ?? env["SD_API_ADDRESS"];
  const key = values.key ?? env["SLICED_KEY"] ?? env["SD_API_KEY"];
  if (!base) throw new UsageError("--base URL is required (or SLICED_BASE)");
  if (!/^https?:\/\//i.test(base)) throw new UsageError(`--base must be an http(s) URL, got '${base}'`);
  if (!key) throw new UsageError("--key KEY is required (or SLICED_KEY)");
  return { base, key, timeoutMs: integer("timeout", values.timeout, 60, 1, 3600) * 1000 };
}

/** The connection options every command takes, for parseArgs. */
export const CONNECTION_OPTIONS = {
  base: { type: "string" },
  key: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const CONNECTION_HELP = `  --base URL           the API's origin, e.g. http://127.0.0.1:8787 (env SLICED_BASE)
  --key KEY            an API key (env SLICED_KEY)
  --timeout SECONDS    per request (60)
  -h, --help           this help`;
