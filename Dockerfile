# One image for the gateway, the worker and the migration step (docker-compose.yml picks the command).
# Build stage: every dependency, then src/ compiled to dist/ (npm run build).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .puppeteerrc.cjs prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN npx prisma generate && npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: the compiled code and production dependencies only. The command is node itself (exec
# form, no npm or shell in between), so node is PID 1 and gets docker's SIGTERM: see README.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY prompts ./prompts
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/main/gateway.js"]
