CREATE TABLE `client_vectors` (
	`feature_set_id` integer NOT NULL,
	`client_id` integer NOT NULL,
	`packed` blob NOT NULL,
	`hash_hi` integer NOT NULL,
	`hash_lo` integer NOT NULL,
	PRIMARY KEY(`feature_set_id`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `shard_routes` (
	`shard` integer PRIMARY KEY NOT NULL,
	`serving` text NOT NULL,
	`feature_set_id` integer NOT NULL,
	`flipped_at` text NOT NULL
);
