PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_evidence_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`apprentice_id` integer,
	`record_type` text NOT NULL,
	`record_key` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`media_type` text NOT NULL,
	`file_name` text NOT NULL,
	`uploaded_by` integer,
	`uploaded_at` text NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_evidence_files`("id", "apprentice_id", "record_type", "record_key", "sha256", "size", "media_type", "file_name", "uploaded_by", "uploaded_at") SELECT "id", "apprentice_id", "record_type", "record_key", "sha256", "size", "media_type", "file_name", "uploaded_by", "uploaded_at" FROM `evidence_files`;--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT '__new_evidence_files', `seq` FROM `sqlite_sequence` WHERE `name` = 'evidence_files' AND NOT EXISTS (SELECT 1 FROM `sqlite_sequence` WHERE `name` = '__new_evidence_files');--> statement-breakpoint
UPDATE `sqlite_sequence` SET `seq` = (SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'evidence_files') WHERE `name` = '__new_evidence_files' AND `seq` < (SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'evidence_files');--> statement-breakpoint
DROP TABLE `evidence_files`;--> statement-breakpoint
ALTER TABLE `__new_evidence_files` RENAME TO `evidence_files`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `evidence_files_record` ON `evidence_files` (`apprentice_id`,`record_type`,`record_key`);--> statement-breakpoint
CREATE INDEX `evidence_files_sha` ON `evidence_files` (`sha256`);