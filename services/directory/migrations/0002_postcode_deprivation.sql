-- The English Index of Multiple Deprivation rank of each postcode's neighbourhood (ONSPD `imd`:
-- the rank of its LSOA, 1 = most deprived), when the loaded file gives one: how the referral
-- service learns the deprivation decile of where a person lives. Empty for postcodes outside
-- England (ONSPD gives those their own nation's index, which does not compare) and for files
-- without the column.
ALTER TABLE postcode_centroids ADD COLUMN imd_rank BIGINT;
