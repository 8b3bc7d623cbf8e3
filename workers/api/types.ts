import type { Actor } from "../../lib/audit";
import type { Db } from "../../lib/db/client";
import type { User, Workspace } from "../../lib/db/schema";
import type { Role } from "../../lib/domain/roles";

export type SignedIn = { user: User; sessionId: string };

/** The workspace a request acts in, and the caller's role there. */
export type WorkspaceAccess = { workspace: Workspace; role: Role; actor: Actor };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    csrfToken: string;
    auth: SignedIn | null;
    access: WorkspaceAccess;
    tokenScope: "read" | "write";
  };
};
