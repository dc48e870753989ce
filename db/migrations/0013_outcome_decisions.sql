ALTER TABLE `gradings` ADD `outcome_decision` text;--> statement-breakpoint
ALTER TABLE `gradings` ADD `outcome_decision_reason` text;--> statement-breakpoint
ALTER TABLE `gradings` ADD `outcome_decided_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `gradings` ADD `outcome_decided_at` text;