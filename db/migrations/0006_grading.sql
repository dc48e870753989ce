CREATE TABLE `appeals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attempt_id` integer NOT NULL,
	`lodged_by` integer NOT NULL,
	`lodged_on` text NOT NULL,
	`grounds` text NOT NULL,
	`reviewer_user_id` integer,
	`decision` text,
	`reasons` text,
	`decided_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`attempt_id`) REFERENCES `epa_attempts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lodged_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reviewer_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `attempt_methods` (
	`attempt_id` integer NOT NULL,
	`method_id` text NOT NULL,
	`mode` text NOT NULL,
	`carried_grade` text,
	`deadline` text,
	PRIMARY KEY(`attempt_id`, `method_id`),
	FOREIGN KEY (`attempt_id`) REFERENCES `epa_attempts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `criterion_decisions` (
	`grading_id` integer NOT NULL,
	`criterion_id` text NOT NULL,
	`met` integer,
	`evidence` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`grading_id`, `criterion_id`),
	FOREIGN KEY (`grading_id`) REFERENCES `gradings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `epa_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`number` integer NOT NULL,
	`kind` text NOT NULL,
	`started_on` text NOT NULL,
	`deadline` text,
	`exceptional_reason` text,
	`exceptional_by` integer,
	`combined_grade` text,
	`overall_grade` text,
	`capped` integer DEFAULT false NOT NULL,
	`result_on` text,
	`released_at` text,
	`released_by` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`exceptional_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`released_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `epa_attempts_apprentice_number` ON `epa_attempts` (`apprentice_id`,`number`);--> statement-breakpoint
CREATE TABLE `epao_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`qa_first_n` integer DEFAULT 5 NOT NULL,
	`qa_sample_fails` integer DEFAULT true NOT NULL,
	`qa_sample_boundary` integer DEFAULT true NOT NULL,
	`qa_random_percent` real DEFAULT 10 NOT NULL,
	`qa_seed` text NOT NULL,
	`appeal_working_days` integer DEFAULT 15 NOT NULL,
	`max_attempts` integer
);
--> statement-breakpoint
CREATE TABLE `gradings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`booking_id` integer NOT NULL,
	`attempt_id` integer NOT NULL,
	`method_id` text NOT NULL,
	`assessor_user_id` integer NOT NULL,
	`status` text NOT NULL,
	`outcome` text DEFAULT 'graded' NOT NULL,
	`outcome_reason` text,
	`grade` text,
	`assessor_grade` text,
	`submitted_at` text,
	`sample_reason` text,
	`sample_draw` real,
	`moderation` text DEFAULT 'not_sampled' NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`attempt_id`) REFERENCES `epa_attempts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assessor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gradings_booking_id_unique` ON `gradings` (`booking_id`);--> statement-breakpoint
CREATE INDEX `gradings_attempt` ON `gradings` (`attempt_id`);--> statement-breakpoint
CREATE INDEX `gradings_assessor` ON `gradings` (`assessor_user_id`);--> statement-breakpoint
CREATE INDEX `gradings_moderation` ON `gradings` (`moderation`);--> statement-breakpoint
CREATE TABLE `moderations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`grading_id` integer NOT NULL,
	`moderator_user_id` integer NOT NULL,
	`decision` text NOT NULL,
	`rationale` text NOT NULL,
	`grade_before` text,
	`grade_after` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`grading_id`) REFERENCES `gradings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`moderator_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `bookings` ADD `attempt` integer DEFAULT 1 NOT NULL;