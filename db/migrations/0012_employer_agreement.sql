CREATE TABLE `further_attempt_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attempt_id` integer NOT NULL,
	`choices` text NOT NULL,
	`action_plan` text,
	`requested_by` integer,
	`requested_at` text NOT NULL,
	`status` text NOT NULL,
	`decided_by` integer,
	`decided_at` text,
	`decision_reason` text,
	FOREIGN KEY (`attempt_id`) REFERENCES `epa_attempts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `further_attempt_requests_attempt` ON `further_attempt_requests` (`attempt_id`);--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `action_plan` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `employer_agreed_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `employer_agreed_at` text;