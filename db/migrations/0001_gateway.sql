CREATE TABLE `apprentices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uln` text NOT NULL,
	`given_names` text NOT NULL,
	`family_name` text NOT NULL,
	`date_of_birth` text NOT NULL,
	`start_date` text NOT NULL,
	`planned_end_date` text NOT NULL,
	`standard_version_id` integer NOT NULL,
	`provider_ukprn` text NOT NULL,
	`employer_id` text NOT NULL,
	`weekly_hours` real NOT NULL,
	`ehc_plan` integer DEFAULT false NOT NULL,
	`bsl_first_language` integer DEFAULT false NOT NULL,
	`english_maths_choice` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_ukprn`) REFERENCES `providers`(`ukprn`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `apprentices_uln_unique` ON `apprentices` (`uln`);--> statement-breakpoint
CREATE INDEX `apprentices_provider` ON `apprentices` (`provider_ukprn`,`family_name`);--> statement-breakpoint
CREATE INDEX `apprentices_employer` ON `apprentices` (`employer_id`,`family_name`);--> statement-breakpoint
CREATE TABLE `gateway_check_decisions` (
	`submission_id` integer NOT NULL,
	`check_code` text NOT NULL,
	`accepted` integer NOT NULL,
	`reason` text,
	PRIMARY KEY(`submission_id`, `check_code`),
	FOREIGN KEY (`submission_id`) REFERENCES `gateway_submissions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `gateway_declarations` (
	`apprentice_id` integer PRIMARY KEY NOT NULL,
	`employer_confirmed_at` text,
	`employer_confirmed_by` integer,
	`provider_confirmed_at` text,
	`provider_confirmed_by` integer,
	`apprentice_confirmed_at` text,
	`apprentice_confirmed_by` integer,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employer_confirmed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_confirmed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`apprentice_confirmed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `gateway_items_provided` (
	`apprentice_id` integer NOT NULL,
	`item_id` text NOT NULL,
	`reference` text NOT NULL,
	`provided_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`provided_by` integer,
	PRIMARY KEY(`apprentice_id`, `item_id`),
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`provided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `gateway_submissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`submitted_on` text NOT NULL,
	`submitted_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`submitted_by` integer,
	`evaluation` text NOT NULL,
	`decided_at` text,
	`decided_by` integer,
	`decision_reason` text,
	`epa_period_start` text,
	`epa_period_end` text,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`submitted_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_submissions_attempt` ON `gateway_submissions` (`apprentice_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `gateway_submissions_status` ON `gateway_submissions` (`status`);--> statement-breakpoint
CREATE TABLE `off_the_job_hours` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`date` text NOT NULL,
	`hours` real NOT NULL,
	`activity` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `off_the_job_apprentice_date` ON `off_the_job_hours` (`apprentice_id`,`date`);--> statement-breakpoint
CREATE TABLE `qualifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`subject` text NOT NULL,
	`type` text NOT NULL,
	`level` integer NOT NULL,
	`grade` text NOT NULL,
	`achieved_on` text NOT NULL,
	`certificate_reference` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `qualifications_apprentice` ON `qualifications` (`apprentice_id`);