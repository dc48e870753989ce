PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_appeals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attempt_id` integer,
	`request_id` integer,
	`case_id` integer,
	`lodged_by` integer NOT NULL,
	`lodged_on` text NOT NULL,
	`grounds` text NOT NULL,
	`statement` text,
	`decision_appealed` text,
	`due_on` text,
	`reviewer_user_id` integer,
	`decision` text,
	`reasons` text,
	`decided_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`attempt_id`) REFERENCES `epa_attempts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`request_id`) REFERENCES `assessment_requests`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`lodged_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reviewer_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "appeals_one_subject" CHECK((attempt_id is not null) + (request_id is not null) + (case_id is not null) = 1)
);
--> statement-breakpoint
INSERT INTO `__new_appeals`("id", "attempt_id", "request_id", "case_id", "lodged_by", "lodged_on", "grounds", "statement", "decision_appealed", "due_on", "reviewer_user_id", "decision", "reasons", "decided_at", "created_at") SELECT "id", "attempt_id", "request_id", NULL, "lodged_by", "lodged_on", "grounds", "statement", "decision_appealed", "due_on", "reviewer_user_id", "decision", "reasons", "decided_at", "created_at" FROM `appeals`;--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT '__new_appeals', `seq` FROM `sqlite_sequence` WHERE `name` = 'appeals' AND NOT EXISTS (SELECT 1 FROM `sqlite_sequence` WHERE `name` = '__new_appeals');--> statement-breakpoint
UPDATE `sqlite_sequence` SET `seq` = (SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'appeals') WHERE `name` = '__new_appeals' AND `seq` < (SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'appeals');--> statement-breakpoint
DROP TABLE `appeals`;--> statement-breakpoint
ALTER TABLE `__new_appeals` RENAME TO `appeals`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `appeals_request` ON `appeals` (`request_id`);--> statement-breakpoint
CREATE INDEX `appeals_case` ON `appeals` (`case_id`);--> statement-breakpoint
ALTER TABLE `cases` ADD `before_sanction` text;--> statement-breakpoint
ALTER TABLE `cases` ADD `set_aside_at` text;