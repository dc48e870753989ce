ALTER TABLE `epa_attempts` ADD `service_reference` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `service_status` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `service_sent_at` text;--> statement-breakpoint
ALTER TABLE `epa_attempts` ADD `service_errors` text;