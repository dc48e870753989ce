CREATE TABLE `gateway_status_cache` (
	`apprentice_id` integer PRIMARY KEY NOT NULL,
	`evaluated_on` text NOT NULL,
	`state` text NOT NULL,
	`unmet` text NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `gateway_status_cache_state` ON `gateway_status_cache` (`evaluated_on`,`state`);