/**
 * @module http/client-closed
 * Whether the client went away before it was answered: it closed the connection while its body
 * was still arriving, or while the answer was being worked out. Such a request has no answer
 * anyone reads, and its outcome is the client's doing, not the server's, so it is reported as
 * 499 ("client closed request", as nginx names it) and never as a server error.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/** The status reported for a request whose client closed the connection before its answer. */
export const CLIENT_CLOSED_REQUEST = 499;

export function clientClosed(c: Context): boolean {
  // The Node adapter aborts the request's signal once the connection closes unanswered.
  if (c.req.raw.signal?.aborted) return true;
  // The socket itself says so first: the signal follows on a later event.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.destroyed === true;
}
