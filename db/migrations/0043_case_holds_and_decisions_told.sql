CREATE TABLE `case_holds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`case_id` integer NOT NULL,
	`apprentice_id` integer NOT NULL,
	`attempt_number` integer NOT NULL,
	`reason` text NOT NULL,
	`added_by` integer,
	`added_at` text NOT NULL,
	`ended_at` text,
	`ended_by` integer,
	`end_reason` text,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`added_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ended_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `case_holds_once` ON `case_holds` (`case_id`,`apprentice_id`,`attempt_number`) WHERE "case_holds"."ended_at" is null;--> statement-breakpoint
CREATE INDEX `case_holds_result` ON `case_holds` (`apprentice_id`,`attempt_number`);--> statement-breakpoint
ALTER TABLE `cases` ADD `subject_told_at` text;