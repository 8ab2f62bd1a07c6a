// What the connection forms send and say, apart from how they look (unit-tested in forms.test.ts).
import type { UserError } from "./api";

/** Where a userError points inside the form: its path without the input argument,
 * ["input", "config", "apiVersion"] -> "config.apiVersion". */
export function fieldPath(error: UserError): string {
  const path = error.field ?? [];
  return (path[0] === "input" ? path.slice(1) : path).join(".");
}

/** "a, b,,c " -> ["a", "b", "c"]. */
export function splitList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The provider's config fields that were filled in; null when none was. */
export function configInput(names: string[], values: Record<string, string>): Record<string, string> | null {
  const config: Record<string, string> = {};
  for (const name of names) {
    const value = values[`config.${name}`]?.trim();
    if (value) config[name] = value;
  }
  return Object.keys(config).length ? config : null;
}

export type HeaderRow = { name: string; value: string; valueHint?: string };

/** The custom headers to send. A stored header (it has a hint) left empty keeps its value (null);
 * a row without a name is dropped. */
export function headersInput(rows: HeaderRow[]): { name: string; value: string | null }[] {
  return rows
    .filter((row) => row.name.trim())
    .map((row) => ({ name: row.name.trim(), value: row.value || (row.valueHint ? null : row.value) }));
}

/** True when a new base URL is on another origin (scheme, host or port) than the stored one:
 * the stored key must then be typed again. A URL that does not parse is left to the server. */
export function movesOrigin(stored: string, typed: string): boolean {
  try {
    return new URL(stored).origin !== new URL(typed.trim()).origin;
  } catch {
    return false;
  }
}

/** A Verification as a sentence. */
export function describeVerification(result: {
  ok: boolean;
  status: string;
  message?: string | null;
  modelCount?: number | null;
  latencyMs?: number | null;
}): string {
  if (result.ok) return `Connection OK: ${result.modelCount ?? 0} model(s), ${result.latencyMs ?? 0} ms.`;
  return `Test failed (${result.status.replaceAll("_", " ").toLowerCase()}): ${result.message ?? ""}`;
}
