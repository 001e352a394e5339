// Which intake object holds a request's messages: INTAKE_LANES objects per database spread the
// acknowledgement writes (one object takes ~1,000 requests/s), and a request always maps to one lane.

import { INTAKE_LANES } from "../../contract/limits";

export function intakeObjectName(db: string, lane: number): string {
  return `${db}/intake/${lane}`;
}

/** FNV-1a of the request's record id, mod INTAKE_LANES. */
export function intakeLane(requestRecordId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < requestRecordId.length; i++) h = Math.imul(h ^ requestRecordId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % INTAKE_LANES;
}

/** Every lane of a database, for health and for checking whether a record is still held. */
export function intakeLanes(): number[] {
  return Array.from({ length: INTAKE_LANES }, (_, i) => i);
}
