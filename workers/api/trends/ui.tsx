import { Hono } from "hono";
import { z } from "zod";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { sparklinePoints } from "../../../lib/trends/topics";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { draftFromTopic, workspaceTrends } from "./service";

export const trendPages = new Hono<AppEnv>();

trendPages.get("/trends", async (c) => {
  const { workspace, role } = c.var.access;
  const topics = (await workspaceTrends(c.var.db, c.var.access)).slice(0, 50);
  return renderPage(
    c,
    { title: "Trends", area: "trends", inWorkspace: true },
    <>
      <h1>Trends</h1>
      <p class="hint">Topics from the last 48 hours of your sources, ranked by how fast they rise against their own baseline, how many sources carry them, and how recent they are.</p>
      {topics.length === 0 ? (
        <EmptyState title="No trends yet">Topics appear once your sources have found a few items about the same thing.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Topic</th>
              <th>Last 24 h</th>
              <th>Mentions</th>
              <th>Sources</th>
              <th>Score</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {topics.map((t) => (
              <tr>
                <td>
                  <details>
                    <summary>{t.term}</summary>
                    <ul class="items">
                      {t.items.slice(0, 8).map((i) => (
                        <li>
                          <a href={i.url} rel="noopener noreferrer nofollow">
                            {i.title}
                          </a>
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
                <td>
                  <svg class="sparkline" width="120" height="24" viewBox="0 0 120 24" role="img" aria-label={`Mentions per hour over 24 hours: ${t.hourly.join(", ")}`}>
                    <polyline points={sparklinePoints(t.hourly)} fill="none" stroke="currentColor" stroke-width="1.5" />
                  </svg>
                </td>
                <td>{t.mentions}</td>
                <td>{t.sources}</td>
                <td>{t.score.toFixed(2)}</td>
                <td>
                  {can(role, "content.edit") && (
                    <form method="get" action={`/w/${workspace.id}/generate/new`}>
                      <input type="hidden" name="topic" value={t.term} />
                      <button type="submit" class="secondary">
                        Draft content from this
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});

const draftInput = z.object({ term: z.string({ error: "is required" }).trim().min(1, "is required").max(200) });

trendPages.post("/trends/draft", async (c) => {
  const { term } = parseInput(draftInput, await formInput(c));
  const item = await draftFromTopic(c.var.db, c.var.access, term);
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${item.id}`);
});
