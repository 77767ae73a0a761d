-- AlterTable
ALTER TABLE "Channel" ADD COLUMN     "connection" JSONB;

