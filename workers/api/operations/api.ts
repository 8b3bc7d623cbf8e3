import { createRoute, z } from "@hono/zod-openapi";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { errors, iso, json, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { operationsFigures, type OperationsFigures } from "./service";

const count = z.number().int();
const ms = z.number().nullable().openapi({ description: "Milliseconds; null when nothing was published in the window" });
const RateSchema = z.object({ failed: count, total: count, rate: z.number().nullable().openapi({ description: "failed / total, 0 to 1; null when total is 0" }) }).openapi("FailureRate");

export const OperationsSchema = z
  .object({
    asOf: timestamp,
    windowHours: count,
    waiting: z
      .object({
        generationQueued: count,
        generationRunning: count,
        sourcesDue: count,
        publicationsDue: count,
        publicationsOverdue: count,
        publicationsWaiting: count,
        publicationsInFlight: count,
        emailSendsDue: count,
        emailSendsRunning: count,
        emailDeliveriesQueued: count,
        webhookDeliveriesPending: count,
        webhookDeliveriesDue: count,
      })
      .openapi({ description: "Work recorded in D1 as not done yet (queue depths are not readable by a Worker)" }),
    failures: z.object({ generationJobs: RateSchema, sourceRuns: RateSchema, publications: RateSchema, emailDeliveries: RateSchema }),
    publishLag: z.object({ count, p50: ms, p95: ms, p99: ms, max: ms }).openapi({ description: "published_at − scheduled_at over the window, nearest-rank percentiles" }),
    metricsPulls: z.object({ scheduled: count, due: count, backingOff: count }),
  })
  .openapi("Operations");

export const toOperations = (f: OperationsFigures) => ({ ...f, asOf: iso(f.asOf) });

export function operationsApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/operations",
      tags: ["Operations"],
      security,
      summary: "Work waiting, failure rates and publish lag over the last 24 hours (admins)",
      request: { params: workspaceParams },
      responses: { 200: json(OperationsSchema, "The figures"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "operations.view");
      return c.json(toOperations(await operationsFigures(c.var.db, c.var.access)), 200);
    },
  );
}
