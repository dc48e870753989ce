CREATE TABLE `behaviour_verifications` (
	`apprentice_id` integer PRIMARY KEY NOT NULL,
	`verifier_name` text NOT NULL,
	`statement` text NOT NULL,
	`verified_on` text NOT NULL,
	`recorded_by` integer,
	`recorded_at` text NOT NULL,
	FOREIGN KEY (`apprentice_id`) REFERENCES `apprentices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TRIGGER gateway_cache_behaviour_verifications_insert AFTER INSERT ON behaviour_verifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_behaviour_verifications_update AFTER UPDATE ON behaviour_verifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_behaviour_verifications_delete AFTER DELETE ON behaviour_verifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
