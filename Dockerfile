# syntax=docker/dockerfile:1
# Build: the same steps as .ci/run (npm ci from the lockfile), then compile the server and build the browser client.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall builds the mediasoup worker for live audio (docs/AUDIO-INSTALL.md); it needs its script.
COPY scripts/mediasoup scripts/mediasoup
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY server server
COPY client client
COPY bin bin
RUN npm run build && npm prune --omit=dev

# Run: compiled output and production dependencies only, as the unprivileged node user.
FROM node:20-bookworm-slim AS run
ENV NODE_ENV=production \
    PORT=3000 \
    TOWNHALL_DATA_DIR=/data
# Automatic captions (docs/CAPTIONS.md): Debian's pocketsphinx with its US English model, and
# opus-tools to decode the floor's Opus. Without them the server runs and says captions are off.
RUN apt-get update \
 && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us opus-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
COPY --from=build --chown=root:root /app/client/dist client/dist
# `node bin/townhall.js verify …` runs the compiled verifier.
COPY --from=build --chown=root:root /app/bin bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form), which finishes in-flight writes before exiting.
CMD ["node", "dist/server/src/main.js"]
