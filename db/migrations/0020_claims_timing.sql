ALTER TABLE `epa_attempts` ADD `claimed_grade` text;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `claim_highest_grade_early` integer DEFAULT false NOT NULL;