-- 0005: a registered device can be disabled (a logger taken out of service
-- or suspected of sending bad data) without forgetting its registration, and
-- each registration records when it was last changed.
ALTER TABLE device ADD COLUMN disabled {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE device ADD COLUMN updated {{.Time}};
