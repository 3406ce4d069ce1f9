# syntax=docker/dockerfile:1
# One image for every function; the command picks which: node dist/<info|serve|train|train-job|not-found|bootstrap>.mjs
# Debian slim (glibc): onnxruntime-node ships no musl build, so no Alpine.

FROM node:22.20.0-slim AS build
WORKDIR /app
# .npmrc keeps onnxruntime-node's install script from downloading GPU binaries.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
# toolchain/build.ts bundles each entry point into dist/<name>.mjs (esbuild), and the
# compile-cache step below into dist/toolchain/compile-cache.mjs.
RUN npm run build

FROM node:22.20.0-slim AS runtime
ENV NODE_ENV=production \
    SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Runtime packages only: onnxruntime-node (native), swagger-ui-dist (served files) and what
# the bundles leave external.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Set only now, so that npm above leaves nothing of its own in the cache.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN mkdir .node-compile-cache && chown 1000:1000 .node-compile-cache
# node:22-slim's "node" user; numeric so that runAsNonRoot can verify it.
USER 1000:1000
# Compiled code for every bundle, read at each start (NODE_COMPILE_CACHE), shortens serve's cold
# start (bench/results/serve.md). Node keeps it per user id, so it is filled as the user the
# chart runs, and per set of V8 flags, so once more for serve.singleThreaded's
# `node --single-threaded`.
RUN node dist/toolchain/compile-cache.mjs dist
RUN node dist/toolchain/compile-cache.mjs dist --single-threaded
EXPOSE 8080 9464
CMD ["node", "dist/info.mjs"]
