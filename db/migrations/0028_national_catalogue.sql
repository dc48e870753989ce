CREATE TABLE `option_ksbs` (
	`option_id` integer NOT NULL,
	`ksb_id` integer NOT NULL,
	PRIMARY KEY(`option_id`, `ksb_id`),
	FOREIGN KEY (`option_id`) REFERENCES `standard_options`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ksb_id`) REFERENCES `ksbs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `standard_options` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`standard_version_id` integer NOT NULL,
	`published_id` text,
	`title` text NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `standard_options_version_title` ON `standard_options` (`standard_version_id`,`title`);--> statement-breakpoint
ALTER TABLE `duties` ADD `published_id` text;--> statement-breakpoint
ALTER TABLE `duties` ADD `core` integer;--> statement-breakpoint
ALTER TABLE `ksbs` ADD `published_id` text;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `earliest_start_date` text;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `latest_start_date` text;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `latest_end_date` text;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `assessment_plan_url` text;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `regulated` integer;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `core_and_options` integer DEFAULT false NOT NULL;