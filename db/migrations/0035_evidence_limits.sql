ALTER TABLE `epao_settings` ADD `evidence_document_mb` integer DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `evidence_image_mb` integer DEFAULT 50 NOT NULL;--> statement-breakpoint
ALTER TABLE `epao_settings` ADD `evidence_recording_mb` integer DEFAULT 2048 NOT NULL;