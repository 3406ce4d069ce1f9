/**
 * @module http/json-media-type
 * What counts as a JSON body: `application/json` or any `application/<x>+json`, in any case,
 * with any parameters. The body limit, the 415 check and Hono's own validator must agree on it:
 * a type one of them took for JSON and another did not is a body read without its limit.
 */

/** The same media type pattern Hono's validator reads JSON bodies by. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/** Whether a Content-Type header declares a JSON body. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const media = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
  return JSON_MEDIA_TYPE.test(media.toLowerCase());
}
