/** Sign up, log in, log out, and a person's own account (password change). */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { auditEntry } from "../../../lib/audit";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../../../lib/crypto/password";
import { users } from "../../../lib/db/schema";
import { changePassword, login, signup } from "../../../lib/domain/inputs";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { newId } from "../../../lib/ids";
import { formInput, goTo, safeNext } from "../lib/respond";
import { requireUser } from "../middleware/auth";
import { clientIp } from "../middleware/context";
import type { AppEnv } from "../types";
import { CsrfField, Flash } from "../views/layout";
import { Field } from "../views/pages";
import { renderPage } from "../views/render";
import { revokeAllSessions, revokeSession, endSessionCookie, startSession } from "./session";
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from "./throttle";

export const authRoutes = new Hono<AppEnv>();

function AuthForm(props: { action: "signup" | "login"; csrfToken: string; next: string }) {
  const signingUp = props.action === "signup";
  const query = props.next === "/" ? "" : `?next=${encodeURIComponent(props.next)}`;
  return (
    <section class="card narrow">
      <h1>{signingUp ? "Create your account" : "Log in"}</h1>
      <form method="post" action={`/${props.action}${query}`}>
        <CsrfField token={props.csrfToken} />
        {signingUp && <Field label="Your name" name="name" required autocomplete="name" />}
        <Field label="Email" name="email" type="email" required autocomplete="email" />
        <Field
          label="Password"
          name="password"
          type="password"
          required
          autocomplete={signingUp ? "new-password" : "current-password"}
          minlength={signingUp ? 10 : undefined}
          hint={signingUp ? "At least 10 characters." : undefined}
        />
        <button type="submit">{signingUp ? "Create account" : "Log in"}</button>
      </form>
      <p>
        {signingUp ? (
          <>
            Already have an account? <a href={`/login${query}`}>Log in</a>
          </>
        ) : (
          <>
            New here? <a href={`/signup${query}`}>Create an account</a>
          </>
        )}
      </p>
    </section>
  );
}

authRoutes.get("/signup", async (c) => {
  if (c.var.auth) return c.redirect("/", 303);
  return renderPage(c, { title: "Sign up" }, <AuthForm action="signup" csrfToken={c.var.csrfToken} next={safeNext(c.req.query("next"))} />);
});

authRoutes.post("/signup", async (c) => {
  const input = parseInput(signup, await formInput(c));
  const existing = await c.var.db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).get();
  if (existing) throw new AppError(409, "email_taken", "An account with this email already exists. Log in instead.", { email: "is already registered" });
  const id = newId("usr");
  await c.var.db.batch([
    c.var.db.insert(users).values({ id, email: input.email, name: input.name, passwordHash: await hashPassword(input.password) }),
    auditEntry(c.var.db, { userId: id, ip: clientIp(c) }, { workspaceId: null, action: "user.signed_up", targetType: "user", targetId: id }),
  ]);
  await startSession(c, id);
  const next = safeNext(c.req.query("next"));
  return goTo(c, next === "/" ? "/workspaces" : next);
});

authRoutes.get("/login", async (c) => {
  if (c.var.auth) return c.redirect(safeNext(c.req.query("next")), 303);
  return renderPage(c, { title: "Log in" }, <AuthForm action="login" csrfToken={c.var.csrfToken} next={safeNext(c.req.query("next"))} />);
});

authRoutes.post("/login", async (c) => {
  const input = parseInput(login, await formInput(c));
  const ip = clientIp(c);
  await assertLoginAllowed(c.env, input.email, ip);
  const user = await c.var.db.select().from(users).where(eq(users.email, input.email)).get();
  const valid = user ? await verifyPassword(input.password, user.passwordHash) : (await burnPasswordCheck(input.password), false);
  if (!user || !valid) {
    await recordLoginFailure(c.env, input.email, ip);
    throw new AppError(401, "invalid_credentials", "That email and password do not match an account.");
  }
  await clearLoginFailures(c.env, input.email);
  await startSession(c, user.id);
  return goTo(c, safeNext(c.req.query("next")));
});

authRoutes.post("/logout", async (c) => {
  const auth = c.var.auth;
  if (auth) await revokeSession(c.var.db, auth.sessionId);
  endSessionCookie(c);
  return goTo(c, "/login");
});

authRoutes.get("/account", requireUser, (c) => {
  const user = c.var.auth!.user;
  return renderPage(
    c,
    { title: "Your account" },
    <section class="card narrow">
      <h1>Your account</h1>
      <p>
        {user.name} · {user.email}
      </p>
      <h2>Change password</h2>
      <p class="hint">Changing your password logs you out everywhere else.</p>
      <form method="post" action="/account/password">
        <CsrfField token={c.var.csrfToken} />
        <Field label="Current password" name="current" type="password" required autocomplete="current-password" />
        <Field label="New password" name="next" type="password" required autocomplete="new-password" minlength={10} hint="At least 10 characters." />
        <button type="submit">Change password</button>
      </form>
    </section>,
  );
});

authRoutes.post("/account/password", requireUser, async (c) => {
  const { user } = c.var.auth!;
  const input = parseInput(changePassword, await formInput(c));
  if (!(await verifyPassword(input.current, user.passwordHash))) {
    throw new AppError(422, "invalid_request", "current: is not your current password", { current: "is not your current password" });
  }
  const db = c.var.db;
  await db.batch([
    db.update(users).set({ passwordHash: await hashPassword(input.next) }).where(eq(users.id, user.id)),
    revokeAllSessions(db, user.id),
    auditEntry(db, { userId: user.id, ip: clientIp(c) }, { workspaceId: null, action: "user.password_changed", targetType: "user", targetId: user.id }),
  ]);
  // Every other browser is logged out; this one continues with a fresh session.
  await startSession(c, user.id);
  if (c.req.header("hx-request")) return c.html(<Flash kind="ok">Password changed. Other sessions were logged out.</Flash>, 200, { "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" });
  return goTo(c, "/account");
});
