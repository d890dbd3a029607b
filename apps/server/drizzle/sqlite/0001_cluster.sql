CREATE TABLE `call_members` (
	`user_id` text PRIMARY KEY NOT NULL,
	`call_id` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`call_id`) REFERENCES `calls`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `call_members_call_idx` ON `call_members` (`call_id`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`last_seen` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `calls` ADD `ring_expires_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `rang_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `caller_conn` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `callee_conn` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `caller_away_until` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `callee_away_until` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `version` integer DEFAULT 0 NOT NULL;