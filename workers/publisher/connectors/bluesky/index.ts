/**
 * Bluesky through its PDS's XRPC API (AT Protocol). An account connects with an app password once;
 * the session it opens (accessJwt, refreshJwt) is stored sealed and reused, refreshed when the access
 * token expires, and a new session is opened from the app password only when the refresh token has
 * died too. Never a session per post: Bluesky rate-limits createSession hard (30 per 5 minutes).
 *
 * Posts are `app.bsky.feed.post` records with facets for links, mentions and hashtags, and images
 * uploaded as blobs with their alt text. The record key is derived from the publication (tid.ts), so
 * retries write the same record and `find` looks it up by that key. A thread's later posts are
 * replies with keys of their own, derived the same way.
 */
import { decodeJwt } from "jose";
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, retryAtFrom, type AccountSession, type Connector, type OutgoingPost, type PostMetrics, type PostRef } from "../types";
import { readCard } from "./card";
import { facetsOf } from "./facets";
import { tidFor } from "./tid";

export const DEFAULT_PDS = "https://bsky.social";
const POST = "app.bsky.feed.post";

type Session = { did: string; handle: string; accessJwt: string; refreshJwt: string };
type XrpcError = { error?: string; message?: string };

const xrpc = (serviceUrl: string, method: string, query?: Record<string, string>) =>
  `${serviceUrl.replace(/\/$/, "")}/xrpc/${method}${query ? `?${new URLSearchParams(query)}` : ""}`;

/** A Bluesky answer that is not 2xx, as a PlatformError with Bluesky's own words. */
async function failure(response: Response, what: string): Promise<PlatformError> {
  const body = (await response.json().catch(() => ({}))) as XrpcError;
  const words = [body.error, body.message].filter(Boolean).join(": ") || `HTTP ${response.status}`;
  const message = `Bluesky refused ${what}: ${words}`;
  if (response.status === 429) return new PlatformError("rate_limited", `Bluesky's rate limit was reached (${words})`, { status: 429, retryAt: retryAtFrom(response.headers) });
  if (response.status === 401 || body.error === "AuthenticationRequired" || body.error === "AccountTakedown") return new PlatformError("auth", message, { status: response.status });
  if (response.status >= 500) return new PlatformError("unavailable", `Bluesky failed while ${what} (${words})`, { status: response.status });
  return new PlatformError("rejected", message, { status: response.status });
}

const expired = (body: XrpcError) => body.error === "ExpiredToken" || body.error === "InvalidToken";

/** Opens a session from an identifier (handle, DID or email) and an app password. */
export async function createSession(serviceUrl: string, identifier: string, password: string): Promise<Session> {
  const response = await callPlatform(
    "Bluesky",
    new Request(xrpc(serviceUrl, "com.atproto.server.createSession"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ identifier, password }) }),
    { sends: false },
  );
  if (!response.ok) throw await failure(response, "the sign-in");
  return (await response.json()) as Session;
}

/** When the session can no longer be refreshed: the refresh token's own expiry. */
export const sessionExpiry = (session: Pick<Session, "refreshJwt">): Date | null => {
  const exp = decodeJwt(session.refreshJwt).exp;
  return exp ? new Date(exp * 1000) : null;
};

/**
 * Runs `call` with the stored access token; on an expired token, refreshes the session (or opens a new
 * one from the app password when the refresh token has expired too), stores it, and calls once more.
 */
async function authorized(account: AccountSession, call: (accessJwt: string) => Promise<Response>): Promise<Response> {
  const first = await call(account.credentials.accessJwt!);
  if (first.status !== 400 && first.status !== 401) return first;
  const body = (await first.clone().json().catch(() => ({}))) as XrpcError;
  if (!expired(body)) return first;
  const refreshed = await callPlatform(
    "Bluesky",
    new Request(xrpc(account.serviceUrl, "com.atproto.server.refreshSession"), { method: "POST", headers: { authorization: `Bearer ${account.credentials.refreshJwt}` } }),
    { sends: false, timeoutMs: account.timeoutMs },
  );
  let session: Session;
  if (refreshed.ok) session = (await refreshed.json()) as Session;
  else if (account.credentials.appPassword) session = await createSession(account.serviceUrl, account.externalId, account.credentials.appPassword);
  else throw await failure(refreshed, "to refresh the session");
  account.credentials = { ...account.credentials, accessJwt: session.accessJwt, refreshJwt: session.refreshJwt };
  await account.saveCredentials(account.credentials, sessionExpiry(session));
  return call(session.accessJwt);
}

async function resolveHandle(serviceUrl: string, handle: string): Promise<string | null> {
  const response = await callPlatform("Bluesky", new Request(xrpc(serviceUrl, "com.atproto.identity.resolveHandle", { handle })), { sends: false }).catch(() => null);
  if (!response?.ok) return null;
  return ((await response.json()) as { did?: string }).did ?? null;
}

const postUrl = (account: AccountSession, rkey: string) => `https://bsky.app/profile/${account.handle}/post/${rkey}`;

/** A record's address and content hash (com.atproto.repo.strongRef), which a reply names its root and parent by. */
type StrongRef = { uri: string; cid: string };

/** The record keys of a post and its thread's later posts: one per part, the same on every attempt. */
const recordKeys = (post: OutgoingPost) => Promise.all([post.text, ...(post.thread ?? [])].map((_, part) => tidFor(post.idempotencyKey, post.createdAt, part)));

/** The post at this record key, or null when there is none. */
async function getPost(account: AccountSession, rkey: string): Promise<StrongRef | null> {
  const response = await callPlatform("Bluesky", new Request(xrpc(account.serviceUrl, "com.atproto.repo.getRecord", { repo: account.externalId, collection: POST, rkey })), {
    sends: false,
    timeoutMs: account.timeoutMs,
  });
  if (response.ok) {
    const { uri, cid } = (await response.json()) as StrongRef;
    return { uri, cid };
  }
  const body = (await response.clone().json().catch(() => ({}))) as XrpcError;
  if (response.status === 400 && body.error === "RecordNotFound") return null;
  throw await failure(response, "the lookup of an earlier attempt");
}

/**
 * Writes one record at its key. A refusal may be the PDS saying the key is taken: by an earlier
 * attempt of this same publication whose answer was lost; then that record is ours (the wording of
 * the refusal is not part of the API, so the record is looked up).
 */
async function createPost(account: AccountSession, rkey: string, record: Record<string, unknown>): Promise<StrongRef> {
  const created = await authorized(account, (token) =>
    callPlatform(
      "Bluesky",
      new Request(xrpc(account.serviceUrl, "com.atproto.repo.createRecord"), {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ repo: account.externalId, collection: POST, rkey, record }),
      }),
      { timeoutMs: account.timeoutMs },
    ),
  );
  if (created.ok) {
    const { uri, cid } = (await created.json()) as StrongRef;
    return { uri, cid };
  }
  const error = await failure(created, "the post");
  if (error.kind === "rejected") {
    const existing = await getPost(account, rkey);
    if (existing) return existing;
  }
  throw error;
}

/** Uploads an image; a blob nobody references is discarded by the PDS, so uploading again is harmless. */
async function uploadBlob(account: AccountSession, bytes: Uint8Array, mime: string): Promise<unknown> {
  const uploaded = await authorized(account, (token) =>
    callPlatform("Bluesky", new Request(xrpc(account.serviceUrl, "com.atproto.repo.uploadBlob"), { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": mime }, body: bytes }), {
      sends: false,
      timeoutMs: account.timeoutMs,
    }),
  );
  if (!uploaded.ok) throw await failure(uploaded, "an image");
  return ((await uploaded.json()) as { blob: unknown }).blob;
}

export const bluesky: Connector = {
  validate(post) {
    const problems = validateVariant("bluesky", { text: post.text, thread: post.thread ?? [], media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => m.mime.startsWith("video/"))) problems.push("Video posts to Bluesky are not supported yet; attach images");
    if (post.media.some((m) => !m.alt.trim())) problems.push("Every image needs alt text");
    return problems;
  },

  /**
   * The first post with the media, then each later post of the thread as a reply whose `reply.root`
   * is the first post and `reply.parent` the one before (app.bsky.feed.post). Every part has its own
   * record key, so after a lost answer a retry gets the parts already written back from the PDS
   * (createPost) and goes on from the first missing one: never a part twice, never a gap.
   */
  async publish(account, post) {
    const images = [];
    for (const media of post.media) {
      const blob = await uploadBlob(account, media.bytes, media.mime);
      images.push({ alt: media.alt, image: blob, ...(media.width && media.height ? { aspectRatio: { width: media.width, height: media.height } } : {}) });
    }
    // Images win the first post's one embed; otherwise its link shows as a card.
    let embed: Record<string, unknown> | null = images.length ? { $type: "app.bsky.embed.images", images } : null;
    if (!embed && post.link) {
      const card = await readCard(post.link);
      const thumb = card.image ? await uploadBlob(account, card.image.bytes, card.image.mime).catch(() => null) : null;
      embed = { $type: "app.bsky.embed.external", external: { uri: card.uri, title: card.title, description: card.description, ...(thumb ? { thumb } : {}) } };
    }
    const rkeys = await recordKeys(post);
    const texts = [post.text, ...(post.thread ?? [])];
    let root: StrongRef | null = null;
    let parent: StrongRef | null = null;
    for (const [part, text] of texts.entries()) {
      const record = {
        $type: POST,
        text,
        createdAt: new Date().toISOString(),
        facets: await facetsOf(text, (handle) => resolveHandle(account.serviceUrl, handle)),
        ...(part === 0 && embed ? { embed } : {}),
        ...(root && parent ? { reply: { root, parent } } : {}),
      };
      parent = await createPost(account, rkeys[part]!, record);
      root ??= parent;
    }
    return { externalId: root!.uri, url: postUrl(account, rkeys[0]!) };
  },

  /** The first post, once the whole thread is there (its last post found); a partial thread is not done yet and `publish` completes it. */
  async find(account, post): Promise<PostRef | null> {
    const rkeys = await recordKeys(post);
    const first = await getPost(account, rkeys[0]!);
    if (!first) return null;
    if (rkeys.length > 1 && !(await getPost(account, rkeys.at(-1)!))) return null;
    return { externalId: first.uri, url: postUrl(account, rkeys[0]!) };
  },

  /** Likes, reposts (quotes counted as shares) and replies from app.bsky.feed.getPosts; Bluesky shows no impressions or clicks. */
  async metrics(account, ref): Promise<PostMetrics> {
    const response = await authorized(account, (token) =>
      callPlatform("Bluesky", new Request(xrpc(account.serviceUrl, "app.bsky.feed.getPosts", { uris: ref.externalId }), { headers: { authorization: `Bearer ${token}` } }), {
        sends: false,
        timeoutMs: account.timeoutMs,
      }),
    );
    if (!response.ok) throw await failure(response, "the post's figures");
    const { posts } = (await response.json()) as { posts: { likeCount?: number; repostCount?: number; replyCount?: number; quoteCount?: number }[] };
    const post = posts[0];
    if (!post) throw new PlatformError("rejected", "Bluesky no longer has this post (it may have been deleted)", { status: 404 });
    return { impressions: null, likes: post.likeCount ?? 0, comments: post.replyCount ?? 0, shares: (post.repostCount ?? 0) + (post.quoteCount ?? 0), clicks: null };
  },
};
