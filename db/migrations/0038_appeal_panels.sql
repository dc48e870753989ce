CREATE TABLE `appeal_panel` (
	`appeal_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	PRIMARY KEY(`appeal_id`, `user_id`),
	FOREIGN KEY (`appeal_id`) REFERENCES `appeals`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `appeals` ADD `statement` text;--> statement-breakpoint
ALTER TABLE `appeals` ADD `due_on` text;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `appeal_decision_working_days` integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `refuse_highest_grade_appeals` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `external_reviewer` integer DEFAULT false NOT NULL;