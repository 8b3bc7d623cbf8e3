/**
 * The `generate` queue consumer: each message names a job; the jobs of a batch run concurrently,
 * since most of their time is spent waiting for providers. A message is acknowledged once its job
 * has finished, failed or been cancelled (all recorded on the row). It is retried when an error came
 * before the job could record anything (D1 unreachable, say), and, later, when another delivery is
 * running the job: the claim in runJob keeps a redelivery from running a job twice, and the later
 * retry picks the job up if that other run died without finishing (its heartbeat gone stale).
 */
import { tokenKey } from "../../../lib/config/env";
import { allowsLoopback } from "../../../lib/http/loopback";
import { env } from "cloudflare:workers";
import { database } from "../../../lib/db/client";
import { providerFetch } from "../../../lib/generation/provider-fetch";
import { log } from "../../../lib/log";
import { generateMessage, withMessageContext } from "../../../lib/queues/messages";
import { abandonJob, forgetExpiredAnswers, runJob, STALE_MS, type RunContext } from "./run";

export function runContext(env: Env): RunContext {
  return {
    db: database(env.DB),
    bucket: env.MEDIA,
    secret: () => tokenKey(env),
    chainOptions: { fetch: providerFetch({ allowLoopback: allowsLoopback(env) }) },
  };
}

/**
 * A job still running after this long is stopped and marked failed (people can retry it), so one
 * call that never returns cannot hold its whole batch, and the queue behind it, forever.
 */
const JOB_DEADLINE_MS = 10 * 60_000;

/** Runs the batch's generate messages; returns the messages that are not generate messages. */
export async function consumeGenerate(batch: MessageBatch<unknown>): Promise<readonly Message<unknown>[]> {
  const context = runContext(env);
  const others: Message<unknown>[] = [];
  if (batch.messages.some((m) => generateMessage.safeParse(m.body).success)) await forgetExpiredAnswers(context.db);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = generateMessage.safeParse(message.body);
      if (!parsed.success) return void others.push(message);
      // The job's log lines carry the id of the request that queued it.
      await withMessageContext(message, async () => {
        try {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), JOB_DEADLINE_MS)));
          const outcome = await Promise.race([runJob(context, parsed.data.jobId), late]);
          clearTimeout(timer);
          if (outcome === "late") await abandonJob(context.db, parsed.data.jobId, JOB_DEADLINE_MS);
          if (outcome === "busy") message.retry({ delaySeconds: Math.ceil(STALE_MS / 1000) + 30 });
          else message.ack();
        } catch (error) {
          log.error("generate_retry", { queue: batch.queue, jobId: parsed.data.jobId, error });
          message.retry({ delaySeconds: 30 });
        }
      });
    }),
  );
  return others;
}
