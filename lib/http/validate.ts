import type { z } from "zod";
import { AppError } from "./errors";

/**
 * Parses untrusted input with a zod schema. A failure becomes a 422 whose message names each field
 * and what is wrong with it, and nothing after this line runs, so nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error);
}

export function invalidInput(error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "body";
    fields[key] ??= issue.message;
  }
  const message = Object.entries(fields)
    .map(([field, problem]) => `${field}: ${problem}`)
    .join("; ");
  return new AppError(422, "invalid_request", message, fields);
}
