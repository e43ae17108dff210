CREATE TABLE `active_feature_sets` (
	`schema_hash` text PRIMARY KEY NOT NULL,
	`feature_set_id` integer NOT NULL,
	`activated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`key_hash` text NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `client_vectors` (
	`feature_set_id` integer NOT NULL,
	`client_id` integer NOT NULL,
	`history` blob NOT NULL,
	`application` text NOT NULL,
	`hash_hi` integer NOT NULL,
	`hash_lo` integer NOT NULL,
	PRIMARY KEY(`feature_set_id`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `feature_sets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`schema_hash` text NOT NULL,
	`status` text NOT NULL,
	`mode` text NOT NULL,
	`base_id` integer,
	`source` text NOT NULL,
	`source_fingerprint` text NOT NULL,
	`features_as_of` text NOT NULL,
	`packed_format` text NOT NULL,
	`history_feature_count` integer NOT NULL,
	`expected_rows` integer,
	`row_count` integer,
	`checksum` text,
	`changed_rows` integer,
	`created_at` text NOT NULL,
	`completed_at` text,
	`activated_at` text
);
--> statement-breakpoint
CREATE INDEX `feature_sets_schema_status` ON `feature_sets` (`schema_hash`,`status`);--> statement-breakpoint
CREATE TABLE `sync_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`acquired_at` text NOT NULL,
	`expires_at` integer NOT NULL
);
