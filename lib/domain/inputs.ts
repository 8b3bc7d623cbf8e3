/** The zod shapes of inputs shared by the UI forms and the API, so both accept exactly the same. */
import { z } from "zod";
import { ROLES } from "./roles";

export const email = z
  .string({ error: "is required" })
  .trim()
  .toLowerCase()
  .max(254, "must be at most 254 characters")
  .pipe(z.email({ error: "must be a valid email address" }));

export const password = z
  .string({ error: "is required" })
  .min(10, "must be at least 10 characters")
  .max(256, "must be at most 256 characters");

export const personName = z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters");

export const workspaceName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(80, "must be at most 80 characters");

export const role = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });

export const signup = z.object({ name: personName, email, password });
export const login = z.object({ email, password: z.string({ error: "is required" }).min(1, "is required").max(256) });
export const changePassword = z.object({
  current: z.string({ error: "is required" }).min(1, "is required"),
  next: password,
});
/** An IANA zone the runtime knows (Intl rejects unknown zones), for example Europe/Paris. */
export const timezone = z
  .string({ error: "is required" })
  .trim()
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return zone.length > 0;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/Paris or UTC");

/** A checkbox (`on`/`off`, see the settings form) or a JSON boolean. */
const flag = z.union([z.boolean(), z.enum(["on", "off"]).transform((v) => v === "on")], { error: "must be true or false" });

export const workspaceInput = z.object({
  name: workspaceName,
  timezone: timezone.optional(),
  /** Whether authors may approve their own content. */
  allowSelfApproval: flag.optional(),
});
export const inviteInput = z.object({
  role,
  email: z.union([z.literal("").transform(() => undefined), email]).optional(),
});
export const roleInput = z.object({ role });
export const tokenInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(80, "must be at most 80 characters"),
  scope: z.enum(["read", "write"], { error: "must be read or write" }),
});
