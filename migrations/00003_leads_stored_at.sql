-- When the writer stored each lead. A lead answered 202 is stored later, by
-- the region's drainer; this is how long that took, read from the rows
-- themselves (the drills report it). The writer's own clock fills it, so a
-- lead written again after a failover carries the time it was restored.

-- +goose Up
ALTER TABLE leads ADD COLUMN stored_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);

-- +goose Down
ALTER TABLE leads DROP COLUMN stored_at;
