# accesswatch API and worker image (the same image runs `serve` or `worker`).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 ACCESSWATCH_DATA_DIR=/data
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY engine ./engine
COPY api ./api
COPY bin ./bin
COPY rules ./rules
COPY dashboards/app ./dashboards/app
RUN npm ci --include=dev && npm prune --omit=dev
EXPOSE 8080
USER node
ENTRYPOINT ["node", "--max-semi-space-size=128", "bin/accesswatch.js"]
CMD ["serve"]
