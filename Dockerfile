# One image for the gateway, the worker and the migration step (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .puppeteerrc.cjs prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY prompts ./prompts
COPY src ./src
RUN npx prisma generate
USER node
EXPOSE 3000
CMD ["npm", "run", "gateway"]
