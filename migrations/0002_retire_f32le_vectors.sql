DROP TABLE `client_vectors`;--> statement-breakpoint
ALTER TABLE `feature_sets` ADD `shard` integer;--> statement-breakpoint
ALTER TABLE `feature_sets` ADD `shard_count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `feature_sets` ADD `superseded_at` text;--> statement-breakpoint
ALTER TABLE `feature_sets` ADD `created_by` text;