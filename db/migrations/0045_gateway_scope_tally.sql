CREATE TABLE `gateway_scope_tally` (
	`provider_ukprn` text NOT NULL,
	`employer_id` text NOT NULL,
	`evaluated_on` text NOT NULL,
	`valid_until` text NOT NULL,
	`state` text NOT NULL,
	`unmet` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`provider_ukprn`, `employer_id`, `evaluated_on`, `valid_until`, `state`, `unmet`)
);
--> statement-breakpoint
CREATE INDEX `gateway_scope_tally_employer` ON `gateway_scope_tally` (`employer_id`);
--> statement-breakpoint
-- The scope tally below counts by state too, so it answers everyone's counts as well (a sum over
-- its few hundred rows): the state tally of migration 0044 and its triggers go.
DROP TRIGGER gateway_state_tally_insert;
--> statement-breakpoint
DROP TRIGGER gateway_state_tally_delete;
--> statement-breakpoint
DROP TRIGGER gateway_state_tally_update;
--> statement-breakpoint
DROP TABLE `gateway_state_tally`;
--> statement-breakpoint
-- Kept by the status cache's own changes, whichever code path makes them, for listed apprentices
-- (an erased one's rows are not counted); a count that reaches nought is removed. Each trigger
-- reads the apprentice's provider and employer as they are when the cache row changes, so the
-- apprentice's own changes clear its row BEFORE they are made (below), while the row still
-- belongs to the provider and employer it was counted under.
CREATE TRIGGER gateway_scope_tally_insert AFTER INSERT ON gateway_status_cache BEGIN
  INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, evaluated_on, valid_until, state, unmet, n)
    SELECT a.provider_ukprn, a.employer_id, NEW.evaluated_on, coalesce(NEW.valid_until, '9999-12-31'), NEW.state, NEW.unmet, 1
    FROM apprentices a WHERE a.id = NEW.apprentice_id AND a.erased_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_scope_tally_delete AFTER DELETE ON gateway_status_cache BEGIN
  UPDATE gateway_scope_tally SET n = n - 1
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND unmet = OLD.unmet;
  DELETE FROM gateway_scope_tally
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND unmet = OLD.unmet AND n = 0;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_scope_tally_update AFTER UPDATE OF evaluated_on, valid_until, state, unmet ON gateway_status_cache BEGIN
  UPDATE gateway_scope_tally SET n = n - 1
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND unmet = OLD.unmet;
  DELETE FROM gateway_scope_tally
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND unmet = OLD.unmet AND n = 0;
  INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, evaluated_on, valid_until, state, unmet, n)
    SELECT a.provider_ukprn, a.employer_id, NEW.evaluated_on, coalesce(NEW.valid_until, '9999-12-31'), NEW.state, NEW.unmet, 1
    FROM apprentices a WHERE a.id = NEW.apprentice_id AND a.erased_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
-- An apprentice's change cleared its status after the change (migration 0003); now before it, so
-- that the tally above takes the status off under the provider and employer it was counted for.
DROP TRIGGER gateway_cache_apprentice_update;
--> statement-breakpoint
CREATE TRIGGER gateway_cache_apprentice_update BEFORE UPDATE ON apprentices BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.id; END;
--> statement-breakpoint
-- The same for an apprentice removed: the cascade would delete the status once the apprentice had gone.
CREATE TRIGGER gateway_cache_apprentice_delete BEFORE DELETE ON apprentices BEGIN DELETE FROM gateway_status_cache WHERE apprentice_id = OLD.id; END;
--> statement-breakpoint
INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, evaluated_on, valid_until, state, unmet, n)
  SELECT a.provider_ukprn, a.employer_id, c.evaluated_on, coalesce(c.valid_until, '9999-12-31'), c.state, c.unmet, count(*)
  FROM gateway_status_cache c JOIN apprentices a ON a.id = c.apprentice_id WHERE a.erased_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6;
