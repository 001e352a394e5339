// Paths as existing SlicingDice clients send them: trailing slashes, the historical /v1/test prefix
// and older route names are mapped onto the one spelling the routes are registered under.

/** Old spellings that existing clients still send (API.md §1.1, §10). */
const PATH_ALIASES: Array<[RegExp, string]> = [
  [/^\/v1\/test(\/|$)/, "/v1$1"],
  [/^\/v1\/field$/, "/v1/column"],
  [/^\/v1\/index$/, "/v1/insert"],
  [/^\/v1\/project$/, "/v1/database"],
  [/^\/v1\/query\/count\/events$/, "/v1/query/count/event"],
  [/^\/v1\/query\/sql$/, "/v1/sql"],
];

export function normalisePath(pathname: string): string {
  let p = pathname.replace(/\/+$/, "") || "/";
  for (const [pattern, replacement] of PATH_ALIASES) p = p.replace(pattern, replacement);
  return p;
}
