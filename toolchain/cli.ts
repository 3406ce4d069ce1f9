/**
 * `npm run tools`: makes sure MinIO, Helm and the test control plane are there (building them
 * once if needed) and prints where they are.
 */
import { controlPlaneDir, ensureControlPlane } from "./control-plane/build.ts";
import { ensureTool, TOOLS } from "./tools.ts";

try {
  for (const name of Object.keys(TOOLS) as Array<keyof typeof TOOLS>) {
    const path = await ensureTool(name);
    process.stdout.write(`${name} ${TOOLS[name].version}: ${path}\n`);
  }
  const plane = await ensureControlPlane();
  const { kubernetes, etcd, knativeServing, kwok } = plane.versions;
  process.stdout.write(
    `control plane (Kubernetes ${kubernetes}, etcd ${etcd}, Knative Serving ${knativeServing}, kwok ${kwok}): ${controlPlaneDir(plane.versions)}\n`,
  );
} catch (error) {
  process.stderr.write(`skiff: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
