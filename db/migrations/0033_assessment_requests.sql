CREATE TABLE `assessment_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`kind` text NOT NULL,
	`method_id` text,
	`booking_id` integer,
	`types` text DEFAULT '[]' NOT NULL,
	`extra_time_percent` integer,
	`details` text NOT NULL,
	`requested_by` integer,
	`requested_at` text NOT NULL,
	`decide_by` text NOT NULL,
	`status` text DEFAULT 'requested' NOT NULL,
	`approved_types` text,
	`approved_extra_time_percent` integer,
	`effect` text,
	`decision_reason` text,
	`decided_by` integer,
	`decided_at` text,
	`revision` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `assessment_requests_apprentice` ON `assessment_requests` (`apprentice_id`,`kind`);--> statement-breakpoint
CREATE INDEX `assessment_requests_queue` ON `assessment_requests` (`status`,`decide_by`,`id`);--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `request_working_days` integer DEFAULT 10 NOT NULL;