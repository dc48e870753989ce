-- The scope tally of migration 0045 kept the days each status holds in its key, so apprentices
-- whose dates all differ made nearly a row each. It now counts every cached status by provider,
-- employer, state and unmet checks alone; a day's counts take off the statuses that have stopped
-- holding (gateway/store.ts). Its triggers read the key they count by, so they go first.
DROP TRIGGER gateway_scope_tally_insert;
--> statement-breakpoint
DROP TRIGGER gateway_scope_tally_delete;
--> statement-breakpoint
DROP TRIGGER gateway_scope_tally_update;
--> statement-breakpoint
DROP TABLE `gateway_scope_tally`;
--> statement-breakpoint
CREATE TABLE `gateway_scope_tally` (
	`provider_ukprn` text NOT NULL,
	`employer_id` text NOT NULL,
	`state` text NOT NULL,
	`unmet` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`provider_ukprn`, `employer_id`, `state`, `unmet`)
);
--> statement-breakpoint
CREATE INDEX `gateway_scope_tally_employer` ON `gateway_scope_tally` (`employer_id`);
--> statement-breakpoint
-- Kept by the status cache's own changes, whichever code path makes them, for listed apprentices
-- (an erased one's rows are not counted); a count that reaches nought is removed. Each trigger
-- reads the apprentice's provider and employer as they are when the cache row changes (an
-- apprentice's own change clears its row before it is made: migration 0045). A status worked out
-- again with the same state and unmet checks (a new day's, mostly) leaves the tally as it is.
CREATE TRIGGER gateway_scope_tally_insert AFTER INSERT ON gateway_status_cache BEGIN
  INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, state, unmet, n)
    SELECT a.provider_ukprn, a.employer_id, NEW.state, NEW.unmet, 1
    FROM apprentices a WHERE a.id = NEW.apprentice_id AND a.erased_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_scope_tally_delete AFTER DELETE ON gateway_status_cache BEGIN
  UPDATE gateway_scope_tally SET n = n - 1
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND state = OLD.state AND unmet = OLD.unmet;
  DELETE FROM gateway_scope_tally
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND state = OLD.state AND unmet = OLD.unmet AND n = 0;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_scope_tally_update AFTER UPDATE OF state, unmet ON gateway_status_cache
  WHEN OLD.state IS NOT NEW.state OR OLD.unmet IS NOT NEW.unmet BEGIN
  UPDATE gateway_scope_tally SET n = n - 1
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND state = OLD.state AND unmet = OLD.unmet;
  DELETE FROM gateway_scope_tally
    WHERE (provider_ukprn, employer_id) = (SELECT provider_ukprn, employer_id FROM apprentices WHERE id = OLD.apprentice_id AND erased_at IS NULL)
      AND state = OLD.state AND unmet = OLD.unmet AND n = 0;
  INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, state, unmet, n)
    SELECT a.provider_ukprn, a.employer_id, NEW.state, NEW.unmet, 1
    FROM apprentices a WHERE a.id = NEW.apprentice_id AND a.erased_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
INSERT INTO gateway_scope_tally (provider_ukprn, employer_id, state, unmet, n)
  SELECT a.provider_ukprn, a.employer_id, c.state, c.unmet, count(*)
  FROM gateway_status_cache c JOIN apprentices a ON a.id = c.apprentice_id WHERE a.erased_at IS NULL GROUP BY 1, 2, 3, 4;
