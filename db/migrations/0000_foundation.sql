CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_user` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`actor_user_id` integer,
	`actor_label` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`before` text,
	`after` text,
	`reason` text,
	FOREIGN KEY (`actor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_entity` ON `audit_events` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_events` (`created_at`);--> statement-breakpoint
CREATE INDEX `audit_actor` ON `audit_events` (`actor_user_id`);--> statement-breakpoint
CREATE TABLE `duties` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`standard_version_id` integer NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`text` text NOT NULL,
	`criteria` text NOT NULL,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `duties_version_number` ON `duties` (`standard_version_id`,`number`);--> statement-breakpoint
CREATE TABLE `duty_ksbs` (
	`duty_id` integer NOT NULL,
	`ksb_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`duty_id`, `ksb_id`),
	FOREIGN KEY (`duty_id`) REFERENCES `duties`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ksb_id`) REFERENCES `ksbs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `employers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ksbs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`standard_version_id` integer NOT NULL,
	`code` text NOT NULL,
	`text` text NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ksbs_version_code` ON `ksbs` (`standard_version_id`,`code`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`standard_version_id` integer NOT NULL,
	`title` text NOT NULL,
	`demo` integer NOT NULL,
	`document` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`imported_by` integer,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`imported_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_standard_version_id_unique` ON `plans` (`standard_version_id`);--> statement-breakpoint
CREATE TABLE `providers` (
	`ukprn` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `standard_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`reference` text NOT NULL,
	`version` text NOT NULL,
	`title` text NOT NULL,
	`level` integer NOT NULL,
	`lars_code` integer NOT NULL,
	`typical_duration_months` integer NOT NULL,
	`max_funding_pounds` integer NOT NULL,
	`route` text NOT NULL,
	`eqa_provider` text NOT NULL,
	`status` text NOT NULL,
	`approved_for_delivery` text NOT NULL,
	`date_updated` text NOT NULL,
	`overview` text NOT NULL,
	`occupation_summary` text NOT NULL,
	`typical_job_titles` text NOT NULL,
	`english_and_maths` text NOT NULL,
	FOREIGN KEY (`reference`) REFERENCES `standards`(`reference`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `standard_versions_reference_version` ON `standard_versions` (`reference`,`version`);--> statement-breakpoint
CREATE TABLE `standards` (
	`reference` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`provider_ukprn` text,
	`employer_id` text,
	`password_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`provider_ukprn`) REFERENCES `providers`(`ukprn`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`employer_id`) REFERENCES `employers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_role` ON `users` (`role`);