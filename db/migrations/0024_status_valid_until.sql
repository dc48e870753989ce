ALTER TABLE `gateway_status_cache` ADD `valid_until` text;--> statement-breakpoint
-- Rows made before had no end: they are worked out again, with theirs.
DELETE FROM `gateway_status_cache`;
