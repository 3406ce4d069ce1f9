import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../minio/launcher.ts";
import { type Spawned, spawnEntry, waitFor } from "../../support/processes.ts";

let spawned: Spawned | undefined;
afterEach(() => {
  spawned?.child.kill("SIGKILL");
});

describe("a function process on SIGTERM", () => {
  it("finishes the request in flight, refuses new work, runs its hooks and exits 0", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    spawned = spawnEntry("test/fixtures/slow-function.ts", {
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
    });
    await waitFor(`http://127.0.0.1:${port}/readyz`, spawned);

    const inFlight = fetch(`http://127.0.0.1:${port}/slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    spawned.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));

    // Draining: the admin port says not ready and the public port takes no new connections.
    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not_ready", reason: "shutting down" });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await spawned.exited).toBe(0);
    const output = spawned.output();
    expect(output).toContain("shutdown hook ran");
    expect(output.indexOf("shutdown hook ran")).toBeGreaterThan(output.indexOf('"status":200'));
  });

  it("gives up on a request that outlives the drain timeout and still exits", async () => {
    const port = await freePort();
    spawned = spawnEntry("test/fixtures/slow-function.ts", {
      PORT: String(port),
      SKIFF_ADMIN_PORT: "0",
      SKIFF_DRAIN_TIMEOUT_MS: "300",
    });
    await waitFor(`http://127.0.0.1:${port}/readyz`, spawned);
    const stuck = fetch(`http://127.0.0.1:${port}/slow?ms=20000`).then(
      () => "answered",
      () => "cut off",
    );
    await new Promise((r) => setTimeout(r, 200));
    const stoppedAt = Date.now();
    spawned.child.kill("SIGTERM");
    expect(await spawned.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    expect(await stuck).toBe("cut off");
    expect(spawned.output()).toContain("drain timed out");
  });
});
