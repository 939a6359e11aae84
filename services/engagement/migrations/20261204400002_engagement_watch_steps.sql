-- The device-activity lapse rule's memory: steps on the referral's recent days with valid
-- device data, oldest first, as comma-separated `YYYY-MM-DD:steps`.
ALTER TABLE engagement_watch ADD COLUMN steps TEXT NOT NULL DEFAULT '';
