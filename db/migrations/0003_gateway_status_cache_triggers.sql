-- The gateway status cache is emptied for an apprentice whenever anything the gateway rules
-- read about them changes, whichever code path made the change.
CREATE TRIGGER gateway_cache_apprentice_update AFTER UPDATE ON apprentices BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_qualifications_insert AFTER INSERT ON qualifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_qualifications_update AFTER UPDATE ON qualifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_qualifications_delete AFTER DELETE ON qualifications BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_off_the_job_hours_insert AFTER INSERT ON off_the_job_hours BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_off_the_job_hours_update AFTER UPDATE ON off_the_job_hours BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_off_the_job_hours_delete AFTER DELETE ON off_the_job_hours BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_items_provided_insert AFTER INSERT ON gateway_items_provided BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_items_provided_update AFTER UPDATE ON gateway_items_provided BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_items_provided_delete AFTER DELETE ON gateway_items_provided BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_declarations_insert AFTER INSERT ON gateway_declarations BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_declarations_update AFTER UPDATE ON gateway_declarations BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_declarations_delete AFTER DELETE ON gateway_declarations BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_submissions_insert AFTER INSERT ON gateway_submissions BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = NEW.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_submissions_update AFTER UPDATE ON gateway_submissions BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (OLD.apprentice_id, NEW.apprentice_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_gateway_submissions_delete AFTER DELETE ON gateway_submissions BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.apprentice_id; END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_plans_insert AFTER INSERT ON plans BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (SELECT id FROM apprentices WHERE standard_version_id = NEW.standard_version_id); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_plans_update AFTER UPDATE ON plans BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (SELECT id FROM apprentices WHERE standard_version_id IN (OLD.standard_version_id, NEW.standard_version_id)); END;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_plans_delete AFTER DELETE ON plans BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id IN (SELECT id FROM apprentices WHERE standard_version_id = OLD.standard_version_id); END;
