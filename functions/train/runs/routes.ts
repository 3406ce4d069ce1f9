/**
 * @module train/runs/routes
 * Start, list, read and watch training runs.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import type { RunExecutor } from "../executors/executor.ts";
import { getRunRoute, listRunsRoute, runEventsRoute, startRunRoute } from "./definitions.ts";
import { planRun } from "./plan.ts";
import { isFinished, type RunRecord } from "./run-record.ts";
import { newRunId, type RunStore } from "./run-store.ts";

export interface RunsContext {
  store: ObjectStore;
  runs: RunStore;
  executor: RunExecutor;
  /** How often the event stream looks at the run. */
  eventsPollMs: number;
}

export function mountRuns(routes: OpenAPIHono, ctx: RunsContext): void {
  routes.openapi(startRunRoute, async (c) => {
    const plan = await planRun(ctx.store, c.req.valid("json"));
    const run: RunRecord = {
      id: newRunId(),
      status: "queued",
      ...plan,
      executor: ctx.executor.kind,
      progress: { fraction: 0, message: "queued" },
      createdAt: new Date().toISOString(),
    };
    await ctx.runs.create(run);
    try {
      await ctx.executor.start(run.id);
    } catch (error) {
      // The run must not stay queued for a job that will never exist.
      await ctx.runs.failUnlessFinished(
        run.id,
        () => `the run could not be started: ${(error as Error).message}`,
      );
      throw error;
    }
    c.header("Location", `runs/${run.id}`);
    return c.json(run, 202);
  });

  routes.openapi(listRunsRoute, async (c) =>
    c.json({ runs: await ctx.runs.list(c.req.valid("query")) }, 200),
  );

  routes.openapi(getRunRoute, async (c) =>
    c.json(await ctx.runs.get(c.req.valid("param").id), 200),
  );

  routes.openapi(runEventsRoute, async (c) => {
    const id = c.req.valid("param").id;
    let run = await ctx.runs.get(id);
    return streamSSE(c, async (stream) => {
      let last = "";
      while (!stream.aborted) {
        const text = JSON.stringify({ status: run.status, progress: run.progress });
        if (text !== last) {
          await stream.writeSSE({ event: "progress", data: JSON.stringify(run) });
          last = text;
        }
        if (isFinished(run.status)) {
          await stream.writeSSE({ event: "end", data: JSON.stringify(run) });
          return;
        }
        await stream.sleep(ctx.eventsPollMs);
        run = await ctx.runs.get(id);
      }
    });
  });
}
