ALTER TABLE `epa_attempts` ADD `claimed_at` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `claimed_by` integer REFERENCES users(id);--> statement-breakpoint
CREATE INDEX `epa_attempts_result` ON `epa_attempts` (`result_on`);--> statement-breakpoint
CREATE INDEX `epa_attempts_released` ON `epa_attempts` (`released_at`);--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `epao_name` text;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `epa_number` text;