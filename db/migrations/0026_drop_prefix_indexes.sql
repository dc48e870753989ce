-- The queue indexes of migration 0025 begin with these columns, so these indexes only cost every write.
DROP INDEX `gateway_submissions_status`;--> statement-breakpoint
DROP INDEX `gradings_moderation`;