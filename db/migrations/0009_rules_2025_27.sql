CREATE TABLE `earlier_episodes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`provider` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `earlier_episodes_apprentice` ON `earlier_episodes` (`apprentice_id`);--> statement-breakpoint
CREATE TABLE `flexibility_judgements` (
	`apprentice_id` integer PRIMARY KEY NOT NULL,
	`basis` text NOT NULL,
	`decided_on` text,
	`reference` text,
	`recorded_by` integer,
	`recorded_at` text,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `learning_breaks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer NOT NULL,
	`from_date` text NOT NULL,
	`to_date` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `learning_breaks_apprentice` ON `learning_breaks` (`apprentice_id`);--> statement-breakpoint
ALTER TABLE `apprentices` ADD `prior_learning_hours` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `apprentices` ADD `prior_learning_reason` text;--> statement-breakpoint
ALTER TABLE `gateway_declarations` ADD `certificate_permission_at` text;--> statement-breakpoint
ALTER TABLE `gateway_declarations` ADD `certificate_permission_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `off_the_job_hours` ADD `kind` text DEFAULT 'training' NOT NULL;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `off_the_job_minimum_hours` integer;--> statement-breakpoint
ALTER TABLE `standard_versions` ADD `off_the_job_minimum_source` text;--> statement-breakpoint
-- The old EHC plan flag becomes a flexibility judgement of basis "EHC plan" whose evidence (date and reference) is still to be recorded.
INSERT INTO `flexibility_judgements` (`apprentice_id`, `basis`) SELECT `id`, 'ehc_plan' FROM `apprentices` WHERE `ehc_plan` = 1;
--> statement-breakpoint
-- A 19+ apprentice's choice: "pursue" meant the qualification was needed (the employer requires it); "not_pursue" is "not studying".
UPDATE `apprentices` SET `english_maths_choice` = CASE `english_maths_choice` WHEN 'pursue' THEN 'employer_requires' WHEN 'not_pursue' THEN 'not_studying' ELSE `english_maths_choice` END WHERE `english_maths_choice` IN ('pursue', 'not_pursue');
--> statement-breakpoint
-- The published off-the-job minimum moves from the plan file to the standard version.
UPDATE `standard_versions` SET `off_the_job_minimum_hours` = (SELECT json_extract(p.`document`, '$.offTheJobMinimumHours') FROM `plans` p WHERE p.`standard_version_id` = `standard_versions`.`id`), `off_the_job_minimum_source` = 'Moved from the assessment plan file' WHERE (SELECT json_extract(p.`document`, '$.offTheJobMinimumHours') FROM `plans` p WHERE p.`standard_version_id` = `standard_versions`.`id`) IS NOT NULL;
--> statement-breakpoint
-- The rules changed: every cached evaluation is stale.
DELETE FROM `gateway_status_cache`;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_learning_breaks_insert AFTER INSERT ON learning_breaks BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_learning_breaks_update AFTER UPDATE ON learning_breaks BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_learning_breaks_delete AFTER DELETE ON learning_breaks BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_earlier_episodes_insert AFTER INSERT ON earlier_episodes BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_earlier_episodes_update AFTER UPDATE ON earlier_episodes BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_earlier_episodes_delete AFTER DELETE ON earlier_episodes BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_flexibility_judgements_insert AFTER INSERT ON flexibility_judgements BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_flexibility_judgements_update AFTER UPDATE ON flexibility_judgements BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_flexibility_judgements_delete AFTER DELETE ON flexibility_judgements BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_standard_versions_update AFTER UPDATE ON standard_versions BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (SELECT id FROM apprentices WHERE standard_version_id IN (OLD.id, NEW.id)); END;
