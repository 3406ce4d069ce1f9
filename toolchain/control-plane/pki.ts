/**
 * @module toolchain/control-plane/pki
 * The certificates a loopback control plane needs, made with openssl in the run's folder: one
 * CA, serving certificates for 127.0.0.1 (kube-apiserver, Knative's webhook), and the key pair
 * that signs ServiceAccount tokens.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(args: string[], cwd: string): void {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.error)
    throw new Error(`openssl is needed for the test control plane: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${result.stderr}`);
}

export interface Pki {
  caFile: string;
  caPem: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** A serving certificate for 127.0.0.1 and localhost, signed by the CA. */
  serving(name: string, extraNames?: string[]): { certFile: string; keyFile: string };
}

export function makePki(dir: string): Pki {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "3",
      "-subj",
      "/CN=skiff-test-ca",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ],
    dir,
  );
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  const caFile = join(dir, "ca.crt");
  return {
    caFile,
    caPem: readFileSync(caFile, "utf8"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
    serving(name, extraNames = []) {
      const names = ["DNS:localhost", "IP:127.0.0.1", ...extraNames.map((n) => `DNS:${n}`)];
      writeFileSync(
        join(dir, `${name}.ext`),
        `subjectAltName=${names.join(",")}\nextendedKeyUsage=serverAuth\n`,
      );
      openssl(
        [
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          `/CN=${name}`,
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.csr`,
        ],
        dir,
      );
      // Knative's webhook keeps a certificate only while it is more than a day from expiry.
      openssl(
        [
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "3",
          "-extfile",
          `${name}.ext`,
          "-out",
          `${name}.crt`,
        ],
        dir,
      );
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
  };
}
