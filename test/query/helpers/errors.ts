// Asserts that a compile step fails with a given SlicingDice error code (and optionally message text).

import { expect } from "vitest";
import { ApiError } from "../../../contract/errors";

export function expectCode(fn: () => unknown, code: number, message?: RegExp): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected an ApiError").toBeInstanceOf(ApiError);
  const e = caught as ApiError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code });
  if (message) expect(e.message).toMatch(message);
  return e;
}
