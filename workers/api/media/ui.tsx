/**
 * The media library page: a drop zone (web/media.js uploads dropped files with a progress bar)
 * over a plain file form that works without JavaScript, a grid of files with their alt text, and
 * delete after a confirmation.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { can } from "../../../lib/domain/roles";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { serveMedia } from "./files";
import { deleteMedia, FILE_REQUEST_LIMIT, listMedia, setAltText, uploadMedia, type MediaView } from "./service";

export const mediaPages = new Hono<AppEnv>();

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

function MediaCard(props: { item: MediaView; base: string; canEdit: boolean; canDelete: boolean; csrf: string }) {
  const { item, base } = props;
  const url = `${base}/media/${item.id}/file`;
  const needsAlt = (item.kind === "image" || item.kind === "gif") && !item.altText;
  return (
    <figure class="media-card" id={`media-${item.id}`}>
      {item.kind === "video" ? (
        <video src={url} controls preload="metadata"></video>
      ) : item.kind === "pdf" ? (
        <a href={url}>PDF</a>
      ) : (
        <img src={url} alt={item.altText} loading="lazy" width={item.width ?? undefined} height={item.height ?? undefined} />
      )}
      <figcaption>
        <strong>{item.filename}</strong>
        <span class="hint">
          {item.mime} · {size(item.size)}
          {item.width && item.height ? ` · ${item.width}×${item.height}` : ""} · {utcMinute(item.createdAt)} · id <code>{item.id}</code>
          {item.usedBy > 0 && ` · used by ${item.usedBy}`}
        </span>
        {needsAlt && <span class="badge warn">needs alt text before publishing</span>}
        {props.canEdit && (
          <form method="post" action={`${base}/media/${item.id}/alt`} hx-post={`${base}/media/${item.id}/alt`} hx-target={`#media-${item.id}`} hx-swap="outerHTML">
            <CsrfField token={props.csrf} />
            <label>
              Alt text <input name="altText" value={item.altText} maxlength={1000} />
            </label>
            <button type="submit" class="secondary">
              Save
            </button>
          </form>
        )}
        {props.canDelete && (
          <form
            method="post"
            action={`${base}/media/${item.id}/delete`}
            hx-post={`${base}/media/${item.id}/delete`}
            hx-target={`#media-${item.id}`}
            hx-swap="outerHTML"
            hx-confirm={`Delete “${item.filename}”? This cannot be undone.`}
          >
            <CsrfField token={props.csrf} />
            <button type="submit" class="danger">
              Delete
            </button>
          </form>
        )}
      </figcaption>
    </figure>
  );
}

mediaPages.get("/media", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const items = await listMedia(c.var.db, c.var.access);
  const canEdit = can(role, "media.upload");
  return renderPage(
    c,
    { title: "Media", area: "media", inWorkspace: true },
    <>
      <h1>Media</h1>
      {canEdit && (
        <form class="dropzone" method="post" action={`${base}/media`} enctype="multipart/form-data" data-upload-url={`${base}/media`} hx-boost="false">
          <CsrfField token={c.var.csrfToken} />
          <p>
            Drop images, GIFs, videos or PDFs here, or <label for="f-file">choose files</label>. Images up to 20 MB, GIFs 15 MB, PDFs 20 MB, videos up to
            25 MB here (up to 100 MB through the API's multipart upload).
          </p>
          <input id="f-file" type="file" name="file" multiple accept="image/*,video/*,application/pdf" />
          <button type="submit">Upload</button>
          <progress hidden max="100" value="0" aria-label="Upload progress"></progress>
          <output class="upload-status" aria-live="polite"></output>
        </form>
      )}
      {items.length === 0 ? (
        <EmptyState title="No media yet">Uploaded images and videos appear here, ready to attach to posts.</EmptyState>
      ) : (
        <div class="media-grid">
          {items.map((item) => (
            <MediaCard item={item} base={base} canEdit={canEdit} canDelete={can(role, "media.delete")} csrf={c.var.csrfToken} />
          ))}
        </div>
      )}
      <script src="/media.js" defer></script>
    </>,
  );
});

// The drop zone sends one file per request; a plain form may carry several, together up to the same limit.
const formLimit = bodyLimit({
  maxSize: FILE_REQUEST_LIMIT + 64 * 1024,
  onError: () => {
    throw new AppError(413, "body_too_large", `Upload at most ${FILE_REQUEST_LIMIT / 1024 / 1024} MB at a time here; larger videos go through the API's multipart upload.`);
  },
});

mediaPages.post("/media", formLimit, async (c) => {
  const body = await c.req.parseBody({ all: true });
  const files = [body.file].flat().filter((f): f is File => f instanceof File && f.size > 0);
  if (files.length === 0) throw new AppError(422, "invalid_request", "file: choose at least one file", { file: "choose at least one file" });
  for (const file of files) {
    await uploadMedia(c.var.db, c.env.MEDIA, c.var.access, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  }
  return goTo(c, `/w/${c.var.access.workspace.id}/media`);
});

mediaPages.get("/media/:mediaId/file", (c) => serveMedia(c, c.req.param("mediaId")));

const altInput = z.object({ altText: z.string({ error: "is required" }).max(1000, "must be at most 1,000 characters") });

mediaPages.post("/media/:mediaId/alt", async (c) => {
  const { altText } = parseInput(altInput, await c.req.parseBody());
  const item = await setAltText(c.var.db, c.var.access, c.req.param("mediaId"), altText);
  const { role, workspace } = c.var.access;
  if (c.req.header("hx-request")) {
    return c.html(<MediaCard item={item} base={`/w/${workspace.id}`} canEdit={can(role, "media.upload")} canDelete={can(role, "media.delete")} csrf={c.var.csrfToken} />);
  }
  return goTo(c, `/w/${workspace.id}/media`);
});

mediaPages.post("/media/:mediaId/delete", async (c) => {
  await deleteMedia(c.var.db, c.env.MEDIA, c.var.access, c.req.param("mediaId"));
  if (c.req.header("hx-request")) return c.html(<Flash kind="ok">Deleted.</Flash>);
  return goTo(c, `/w/${c.var.access.workspace.id}/media`);
});
