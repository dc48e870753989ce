CREATE TABLE `cases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`against` text NOT NULL,
	`apprentice_id` integer,
	`booking_id` integer,
	`attempt_number` integer,
	`assessor_user_id` integer,
	`provider_ukprn` text,
	`allegation` text NOT NULL,
	`opened_by` integer,
	`opened_at` text NOT NULL,
	`investigator_user_id` integer,
	`status` text DEFAULT 'open' NOT NULL,
	`outcome` text,
	`sanction` text,
	`decision_reason` text,
	`decided_by` integer,
	`decided_at` text,
	`revision` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assessor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`opened_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`investigator_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cases_list` ON `cases` (`status`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `cases_result` ON `cases` (`apprentice_id`,`attempt_number`);