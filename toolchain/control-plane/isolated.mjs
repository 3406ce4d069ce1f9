// Runs one control-plane process inside a network namespace of its own (started by `unshare
// --net`), where only loopback exists: Knative's controller and autoscaler dial pod and service
// addresses that are fake here, and in this namespace no such connection can leave the machine.
// The API server stays reachable on the same 127.0.0.1 port through a Unix socket that the
// plane serves outside.
//
// usage: node isolated.mjs <unix socket> <api server port> <command> [args...]
import { spawn, spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";

const [socketPath, apiPort, command, ...args] = process.argv.slice(2);
const up = spawnSync("ip", ["link", "set", "lo", "up"], { encoding: "utf8" });
if (up.status !== 0) {
  process.stderr.write(`cannot bring up loopback in the namespace: ${up.stderr || up.error}\n`);
  process.exit(1);
}

const tunnel = createServer((inside) => {
  const outside = connect(socketPath);
  inside.pipe(outside).pipe(inside);
  const close = () => {
    inside.destroy();
    outside.destroy();
  };
  inside.on("error", close);
  outside.on("error", close);
});
tunnel.listen(Number(apiPort), "127.0.0.1", () => {
  const child = spawn(command, args, { stdio: "inherit" });
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => child.kill(signal));
  // Orphaned (the test run died without stopping us): take the process down with us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) child.kill("SIGKILL");
  }, 1000).unref();
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
});
