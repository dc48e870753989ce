DROP INDEX `apprentices_provider`;--> statement-breakpoint
DROP INDEX `apprentices_employer`;--> statement-breakpoint
ALTER TABLE `apprentices` ADD `erased_at` text;--> statement-breakpoint
CREATE INDEX `apprentices_provider_listed` ON `apprentices` (`provider_ukprn`,`erased_at`,`family_name`,`given_names`);--> statement-breakpoint
CREATE INDEX `apprentices_employer_listed` ON `apprentices` (`employer_id`,`erased_at`,`family_name`,`given_names`);