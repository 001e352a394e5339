// Where a database's shard copies live: a Durable Object location hint per copy and an optional
// jurisdiction, fixed when the database is created (both only take effect when an object is first
// created, and a jurisdiction is part of the object's id, so neither can change later).

/**
 * The location hints Cloudflare documents for Durable Objects
 * (https://developers.cloudflare.com/durable-objects/reference/data-location/). workers-types also
 * lists "apac-ne"/"apac-se"; they are left out until the documentation names them.
 */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];

/** The jurisdictions the documentation names (the same page): data of such an object stays in it. */
export const JURISDICTIONS = ["eu", "fedramp"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** A database's placement, as stored with it (absent on databases created before placement existed). */
export interface Placement {
  /** placement[copy % length] is the hint for that copy of every shard; absent: where the first caller is. */
  placement?: readonly LocationHint[];
  jurisdiction?: Jurisdiction;
}

/** The hint for copy `copy` of a shard (copy 0 is the primary), or undefined when none was asked. */
export function copyHint(place: Placement, copy: number): LocationHint | undefined {
  const hints = place.placement;
  return hints && hints.length > 0 ? hints[copy % hints.length] : undefined;
}
