ALTER TABLE `epao_settings` ADD `contact_email` text;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `contact_phone` text;