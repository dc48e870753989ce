PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_bookings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`submission_id` integer,
	`method_id` text NOT NULL,
	`attempt` integer DEFAULT 1 NOT NULL,
	`assessor_user_id` integer NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`local_start` text NOT NULL,
	`mode` text NOT NULL,
	`region` text,
	`location` text,
	`link` text,
	`status` text NOT NULL,
	`status_reason` text,
	`hold_expires_at` text,
	`sequence` integer DEFAULT 0 NOT NULL,
	`rescheduled_from_id` integer,
	`created_by` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`submission_id`) REFERENCES `gateway_submissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assessor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_bookings`("id", "apprentice_id", "submission_id", "method_id", "attempt", "assessor_user_id", "starts_at", "ends_at", "local_start", "mode", "region", "location", "link", "status", "status_reason", "hold_expires_at", "sequence", "rescheduled_from_id", "created_by", "created_at", "updated_at") SELECT "id", "apprentice_id", "submission_id", "method_id", "attempt", "assessor_user_id", "starts_at", "ends_at", "local_start", "mode", "region", "location", "link", "status", "status_reason", "hold_expires_at", "sequence", "rescheduled_from_id", "created_by", "created_at", "updated_at" FROM `bookings`;--> statement-breakpoint
DROP TABLE `bookings`;--> statement-breakpoint
ALTER TABLE `__new_bookings` RENAME TO `bookings`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `bookings_assessor_start` ON `bookings` (`assessor_user_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `bookings_apprentice` ON `bookings` (`apprentice_id`);--> statement-breakpoint
CREATE INDEX `bookings_status` ON `bookings` (`status`);--> statement-breakpoint
ALTER TABLE `users` ADD `can_mark` integer DEFAULT false NOT NULL;