/** The publications of one content item: where it goes, when, and what came of it. */
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { formatLocal } from "../content/time";
import type { PublicationView } from "./service";

const STATUS_TEXT: Record<string, string> = {
  scheduled: "scheduled",
  waiting: "waiting for the rate limit",
  publishing: "publishing…",
  unknown: "checking whether it went out",
  published: "published",
  failed: "failed",
  cancelled: "cancelled",
};

export function PublicationList(props: { publications: PublicationView[]; zone: string; accountsUrl: string }) {
  if (props.publications.length === 0) {
    return (
      <p class="hint">
        Nothing goes out yet. Scheduling sends each variant to every connected account of its platform (<a href={props.accountsUrl}>accounts</a>).
      </p>
    );
  }
  return (
    <table>
      <thead>
        <tr>
          <th>Account</th>
          <th>When ({props.zone})</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {props.publications.map((p) => (
          <tr id={`publication-${p.id}`}>
            <td>
              {PLATFORM_NAMES[p.platform as Platform] ?? p.platform} · {p.handle}
            </td>
            <td>
              <time datetime={p.scheduledAt.toISOString()}>{formatLocal(p.scheduledAt.getTime(), props.zone).replace("T", " ")}</time>
            </td>
            <td>
              <span class={`status status-${p.status}`}>
                {p.status === "waiting" && p.waitingUntil ? `waiting for the rate limit until ${formatLocal(p.waitingUntil.getTime(), props.zone).slice(11)}` : (STATUS_TEXT[p.status] ?? p.status)}
              </span>
              {p.externalUrl && (
                <>
                  {" "}
                  <a href={p.externalUrl} rel="noopener noreferrer" target="_blank">
                    view the post
                  </a>
                </>
              )}
              {p.lastError && p.status !== "published" && <p class="error-text">{p.lastError}</p>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
