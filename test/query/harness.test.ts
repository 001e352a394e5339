// The replay's comparator must not be vacuous: it has to catch the differences the runners catch.

import { describe, expect, it } from "vitest";
import { compareAnswer, parseTyped } from "./helpers/typed-json";

const cmp = (e: string, a: string, exact = true) => compareAnswer(parseTyped(e), parseTyped(a), "$", exact);

describe("compareAnswer", () => {
  it("accepts equal answers, ignored members and any array order", () => {
    expect(cmp('{"a":[1,2,{"b":"x"}],"took":"ignore"}', '{"a":[{"b":"x"},2,1]}')).toEqual([]);
    expect(cmp('{"a":1.0}', '{"a":1.0000000000001}')).toEqual([]);
  });
  it("catches int/float, values, lengths, missing and extra members", () => {
    expect(cmp('{"a":1.0}', '{"a":1}')).not.toEqual([]);
    expect(cmp('{"a":1}', '{"a":1.0}')).not.toEqual([]);
    expect(cmp('{"a":"1"}', '{"a":1}')).not.toEqual([]);
    expect(cmp('{"a":[1,1]}', '{"a":[1,2]}')).not.toEqual([]);
    expect(cmp('{"a":[1]}', '{"a":[1,1]}')).not.toEqual([]);
    expect(cmp('{"a":1}', "{}")).not.toEqual([]);
    expect(cmp('{"a":1}', '{"a":1,"b":2}')).not.toEqual([]);
    expect(cmp('{"a":1}', '{"a":1,"b":2}', false)).toEqual([]);
  });
});
