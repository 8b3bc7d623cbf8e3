/**
 * Structured output from a model: the JSON object in its answer, validated with zod. Providers in
 * JSON mode send bare JSON; others wrap it in prose or a ```json fence, so the first balanced object
 * is taken. What still does not parse, or has the wrong shape, is an OutputInvalid carrying the raw
 * text for people to read.
 */
import type { z } from "zod";

export class OutputInvalid extends Error {
  override name = "OutputInvalid";
  constructor(
    message: string,
    readonly raw: string,
  ) {
    super(message);
  }
}

/** The first complete `{…}` in a text, honouring strings and escapes. */
function firstObject(text: string): string | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

export function parseOutput<S extends z.ZodType>(schema: S, raw: string): z.infer<S> {
  const fenced = raw.match(/```(?:json)?\s*([\s\S]*?)```/i)?.[1];
  const candidate = firstObject(fenced ?? raw) ?? firstObject(raw);
  if (!candidate) throw new OutputInvalid("The model's answer contains no JSON object", raw);
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (error) {
    throw new OutputInvalid(`The model's JSON does not parse: ${(error as Error).message}`, raw);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ");
    throw new OutputInvalid(`The model's answer has the wrong shape (${problems})`, raw);
  }
  return result.data;
}
