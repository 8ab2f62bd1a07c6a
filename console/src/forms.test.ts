import { describe, expect, it } from "vitest";
import { configInput, describeVerification, fieldPath, headersInput, movesOrigin, splitList } from "./forms";

describe("fieldPath", () => {
  it("drops the input argument and joins the rest", () => {
    expect(fieldPath({ field: ["input", "config", "apiVersion"], code: "VALIDATION", message: "" })).toBe(
      "config.apiVersion",
    );
    expect(fieldPath({ field: ["input", "customHeaders", "0", "value"], code: "VALIDATION", message: "" })).toBe(
      "customHeaders.0.value",
    );
  });
  it("keeps a path that is not under input, and an absent one is empty", () => {
    expect(fieldPath({ field: ["id"], code: "NOT_FOUND", message: "" })).toBe("id");
    expect(fieldPath({ field: null, code: "VERSION_CONFLICT", message: "" })).toBe("");
  });
});

describe("splitList", () => {
  it("trims and drops empty items", () => {
    expect(splitList(" a, b,,c ,")).toEqual(["a", "b", "c"]);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe("configInput", () => {
  it("sends only the provider's fields that were filled in", () => {
    const values = { "config.apiVersion": " 2024-10-21 ", "config.deployment": "", "config.other": "x", name: "n" };
    expect(configInput(["apiVersion", "deployment"], values)).toEqual({ apiVersion: "2024-10-21" });
    expect(configInput(["deployment"], values)).toBeNull();
  });
});

describe("headersInput", () => {
  it("keeps a stored value left empty (null) and sends a typed one", () => {
    expect(
      headersInput([
        { name: " X-Org ", value: "", valueHint: "…1234" },
        { name: "X-Team", value: "blue", valueHint: "…abcd" },
        { name: "X-New", value: "" },
        { name: "  ", value: "dropped" },
      ]),
    ).toEqual([
      { name: "X-Org", value: null },
      { name: "X-Team", value: "blue" },
      { name: "X-New", value: "" },
    ]);
  });
});

describe("movesOrigin", () => {
  it("is true for another scheme, host or port, false for another path", () => {
    expect(movesOrigin("https://api.example.com/v1", "https://api.example.com/v2")).toBe(false);
    expect(movesOrigin("https://api.example.com/v1", "http://api.example.com/v1")).toBe(true);
    expect(movesOrigin("https://api.example.com/v1", "https://evil.example.net/v1")).toBe(true);
    expect(movesOrigin("http://127.0.0.1:9101/v1", "http://127.0.0.1:9102/v1")).toBe(true);
  });
  it("leaves a URL that does not parse to the server", () => {
    expect(movesOrigin("https://api.example.com/v1", "not a url")).toBe(false);
  });
});

describe("describeVerification", () => {
  it("says what passed and why a test failed", () => {
    expect(describeVerification({ ok: true, status: "OK", modelCount: 3, latencyMs: 12 })).toBe(
      "Connection OK: 3 model(s), 12 ms.",
    );
    expect(describeVerification({ ok: false, status: "AUTH_FAILED", message: "bad key" })).toBe(
      "Test failed (auth failed): bad key",
    );
  });
});
