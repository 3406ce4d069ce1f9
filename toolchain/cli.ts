/**
 * `npm run tools`: makes sure MinIO and Helm are there (building them once if needed) and
 * prints where they are.
 */
import { ensureTool, TOOLS } from "./tools.ts";

try {
  for (const name of Object.keys(TOOLS) as Array<keyof typeof TOOLS>) {
    const path = await ensureTool(name);
    process.stdout.write(`${name} ${TOOLS[name].version}: ${path}\n`);
  }
} catch (error) {
  process.stderr.write(`skiff: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
