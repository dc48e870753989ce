CREATE TABLE `gateway_state_tally` (
	`evaluated_on` text NOT NULL,
	`valid_until` text NOT NULL,
	`state` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`evaluated_on`, `valid_until`, `state`)
);
--> statement-breakpoint
-- Kept by the status cache's own changes, whichever code path makes them; a count that reaches
-- nought is removed, so the tally holds only the kinds of row the cache has now.
CREATE TRIGGER gateway_state_tally_insert AFTER INSERT ON gateway_status_cache BEGIN
  INSERT INTO gateway_state_tally (evaluated_on, valid_until, state, n) VALUES (NEW.evaluated_on, coalesce(NEW.valid_until, '9999-12-31'), NEW.state, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_state_tally_delete AFTER DELETE ON gateway_status_cache BEGIN
  UPDATE gateway_state_tally SET n = n - 1 WHERE evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state;
  DELETE FROM gateway_state_tally WHERE evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND n = 0;
END;
--> statement-breakpoint
CREATE TRIGGER gateway_state_tally_update AFTER UPDATE OF evaluated_on, valid_until, state ON gateway_status_cache BEGIN
  UPDATE gateway_state_tally SET n = n - 1 WHERE evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state;
  DELETE FROM gateway_state_tally WHERE evaluated_on = OLD.evaluated_on AND valid_until = coalesce(OLD.valid_until, '9999-12-31') AND state = OLD.state AND n = 0;
  INSERT INTO gateway_state_tally (evaluated_on, valid_until, state, n) VALUES (NEW.evaluated_on, coalesce(NEW.valid_until, '9999-12-31'), NEW.state, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
INSERT INTO gateway_state_tally (evaluated_on, valid_until, state, n)
  SELECT evaluated_on, coalesce(valid_until, '9999-12-31'), state, count(*) FROM gateway_status_cache GROUP BY 1, 2, 3;
