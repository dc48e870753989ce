CREATE TABLE `epao_approvals` (
	`standard_version_id` integer PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`recorded_at` text NOT NULL,
	FOREIGN KEY (`standard_version_id`) REFERENCES `standard_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Every version held before approvals were recorded took apprentices: it stays approved, saying why.
INSERT INTO `epao_approvals` (`standard_version_id`, `source`, `recorded_at`) SELECT `id`, 'Held before approvals were recorded (migration 0029)', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM `standard_versions`;
