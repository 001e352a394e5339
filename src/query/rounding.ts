// How computed decimals are shown, one rule for the JSON aggregation and SQL alike: an average is
// rounded to 6 decimal places (API.md §7.12.2: 11.201333 for 11.2013333…), a sum of a decimal column
// to the column's decimal places, so float noise (150000009.99999997) never reaches a client.
// API.md §7.6 reads the JSON examples as unrounded; within their 1e-9 tolerance both readings agree.

const AVERAGE_DECIMAL_PLACES = 6;

function roundTo(x: number, places: number): number {
  // From about 1e15 on a float64 has no fractional digits left to round.
  if (!Number.isFinite(x) || Math.abs(x) >= 1e15) return x;
  // Shift the decimal text, not x * 10^p: 1.0005 * 1000 is 1000.4999…, which would round down.
  const [mantissa, exponent = "0"] = String(Math.abs(x)).split("e");
  const shifted = Math.round(Number(`${mantissa}e${Number(exponent) + places}`));
  return Math.sign(x) * Number(`${shifted}e-${places}`);
}

/** An average as shown: 6 decimal places. */
export function roundAverage(x: number): number {
  return roundTo(x, AVERAGE_DECIMAL_PLACES);
}

/** A sum of a decimal column as shown: its decimal places when it has them (auto-created ones do not). */
export function roundSum(x: number, decimalPlaces: number | undefined): number {
  return decimalPlaces === undefined ? x : roundTo(x, decimalPlaces);
}
