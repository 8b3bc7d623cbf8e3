-- Webhooks in (issue 8), written by hand to match lib/db/schema/inbound.ts and the new publications
-- column: received events (deduplicated by source, workspace and event id), the inbox of comments and
-- mentions, the generic endpoint's sealed secret per workspace, and when a post was deleted on its platform.
ALTER TABLE `publications` ADD `deleted_at` integer;--> statement-breakpoint
CREATE TABLE `inbound_events` (
	`source` text NOT NULL,
	`event_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`source`, `workspace_id`, `event_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `inbound_events_workspace_idx` ON `inbound_events` (`workspace_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `inbound_webhook_secrets` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `inbox_items` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`account_id` text,
	`platform` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`publication_id` text,
	`author` text NOT NULL,
	`text` text NOT NULL,
	`url` text,
	`occurred_at` integer NOT NULL,
	`done_at` integer,
	`done_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `social_accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`publication_id`) REFERENCES `publications`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`done_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_items_external_idx` ON `inbox_items` (`workspace_id`,`platform`,`external_id`);--> statement-breakpoint
CREATE INDEX `inbox_items_workspace_idx` ON `inbox_items` (`workspace_id`,`done_at`,`occurred_at`);
