DROP INDEX `plans_standard_version_id_unique`;--> statement-breakpoint
ALTER TABLE `plans` ADD `is_default` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `apprentices` ADD `plan_id` text REFERENCES plans(id);