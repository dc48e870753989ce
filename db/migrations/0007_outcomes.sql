ALTER TABLE `epa_attempts` ADD `first_booking_on` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `result_month` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `days_to_booking` integer;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `days_to_result` integer;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `claimed_at` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `claimed_by` integer REFERENCES users(id);--> statement-breakpoint
CREATE INDEX `epa_attempts_report_grades` ON `epa_attempts` (`overall_grade`,`number`,`kind`,`result_month`,`result_on`,`released_at`);--> statement-breakpoint
CREATE INDEX `epa_attempts_report_days` ON `epa_attempts` (`number`,`days_to_result`,`days_to_booking`,`result_on`,`released_at`,`overall_grade`);--> statement-breakpoint
CREATE INDEX `epa_attempts_released` ON `epa_attempts` (`released_at`);--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `epao_name` text;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `epa_number` text;--> statement-breakpoint
CREATE INDEX `gateway_submissions_open_periods` ON `gateway_submissions` (`status`,`epa_period_end`);