/**
 * @module test/support/onnx-sessions
 * onnxruntime sessions a suite opens on models it builds, each released after its test.
 */
import * as ort from "onnxruntime-node";
import { afterEach } from "vitest";

/** A loader whose sessions are released after each test; call it at the suite's top level. */
export function sessionLoader(): (bytes: Uint8Array) => Promise<ort.InferenceSession> {
  const sessions: ort.InferenceSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.release()));
  });
  return async (bytes) => {
    const session = await ort.InferenceSession.create(bytes);
    sessions.push(session);
    return session;
  };
}
