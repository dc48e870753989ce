CREATE TABLE `plan_drafts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`standard_version_id` integer NOT NULL,
	`document` text NOT NULL,
	`origin` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`created_by` integer,
	`updated_at` text NOT NULL,
	`published_plan_id` text,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`published_plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE no action
);
