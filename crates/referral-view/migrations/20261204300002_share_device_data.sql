-- The person's consent to their device data (daily summaries from wearables and apps) being
-- recorded and shared with the parties to their referral, asked apart from their consent to
-- share their details with providers. Referrals the view already holds were made before it was
-- asked, so they read as not given: consent is never presumed. Portable SQL, as the table's.
ALTER TABLE referrals ADD COLUMN share_device_data BOOLEAN NOT NULL DEFAULT FALSE;
