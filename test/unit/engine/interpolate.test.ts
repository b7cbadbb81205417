// Edge cases of `%name%` interpolation: stray percent signs, adjacency, name characters, one-pass replacement.
import { describe, expect, it } from "vitest";
import { interpolate } from "../../../shared/engine/interpolate";

describe("interpolate", () => {
  it("returns a template without % unchanged", () => {
    expect(interpolate("Tell me a joke!", { a: "x" })).toEqual({ text: "Tell me a joke!", unresolved: [] });
  });

  it.each([
    ["50% off", "50% off"],
    ["50% off and 20% more", "50% off and 20% more"],
    ["100%", "100%"],
    ["%", "%"],
    ["%%", "%%"],
    ["% a %", "% a %"],
    ["%a b%", "%a b%"],
    ["rate: 5%/%", "rate: 5%/%"],
  ])("leaves %j alone and reports nothing: it is not a variable", (template, text) => {
    expect(interpolate(template, { a: "A" })).toEqual({ text, unresolved: [] });
  });

  it("replaces a variable right after a literal percent sign (100%%name%)", () => {
    expect(interpolate("100%%name%", { name: "N" })).toEqual({ text: "100%N", unresolved: [] });
  });

  it("replaces a variable wrapped in percent signs (%%a%%)", () => {
    expect(interpolate("%%a%%", { a: "A" })).toEqual({ text: "%A%", unresolved: [] });
  });

  it("replaces adjacent variables (%a%%b%)", () => {
    expect(interpolate("%a%%b%", { a: "A", b: "B" })).toEqual({ text: "AB", unresolved: [] });
  });

  it("shares no percent sign between two variables (%a%b% is %a% then b%)", () => {
    expect(interpolate("%a%b%", { a: "A", b: "B" })).toEqual({ text: "Ab%", unresolved: [] });
  });

  it("accepts names with dots, hyphens, digits and underscores", () => {
    const values = { "user.name": "Ada", "first-name": "Grace", _x9: "nine", "a.b-c_d": "mixed" };
    expect(interpolate("%user.name% %first-name% %_x9% %a.b-c_d%", values)).toEqual({ text: "Ada Grace nine mixed", unresolved: [] });
  });

  it("replaces every occurrence of the same variable", () => {
    expect(interpolate("%a%, %a% and %a%", { a: "x" }).text).toBe("x, x and x");
  });

  it("treats names as case-sensitive", () => {
    expect(interpolate("%Topic% %topic%", { topic: "t" })).toEqual({ text: "%Topic% t", unresolved: ["Topic"] });
  });

  it("leaves an unresolved name as written and lists each unresolved name once, in order of first use", () => {
    expect(interpolate("%b% %a% %b% %known% %a%", { known: "K" })).toEqual({ text: "%b% %a% %b% K %a%", unresolved: ["b", "a"] });
  });

  it("replaces a variable whose value is the empty string (it is present, not missing)", () => {
    expect(interpolate("[%a%]", { a: "" })).toEqual({ text: "[]", unresolved: [] });
  });

  it("does not scan inserted values again: a value holding %b% stays literal", () => {
    expect(interpolate("%a%", { a: "see %b%", b: "B" })).toEqual({ text: "see %b%", unresolved: [] });
  });

  it("inserts values containing $-patterns literally ($&, $1, $$)", () => {
    expect(interpolate("%a%", { a: "cost $& $1 $$ $`" }).text).toBe("cost $& $1 $$ $`");
  });

  it("does not take names from the object prototype (%toString%, %constructor%)", () => {
    expect(interpolate("%toString% %constructor%", {})).toEqual({
      text: "%toString% %constructor%",
      unresolved: ["toString", "constructor"],
    });
  });

  it("works across lines and keeps the line breaks of values", () => {
    expect(interpolate("Q:\n%q%\nA:\n%context%", { q: "why?", context: "one\n\ntwo" }).text).toBe("Q:\nwhy?\nA:\none\n\ntwo");
  });

  it("does not match a variable across a line break", () => {
    expect(interpolate("%a\nb%", { "a\nb": "x" })).toEqual({ text: "%a\nb%", unresolved: [] });
  });
});
