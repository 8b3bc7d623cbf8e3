CREATE TABLE `publications` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`content_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`scheduled_zone` text NOT NULL,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`idempotency_key` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`waiting_until` integer,
	`external_id` text,
	`external_url` text,
	`last_error` text,
	`published_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`content_id`) REFERENCES `content`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `content_variants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `social_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `publications_workspace_scheduled_idx` ON `publications` (`workspace_id`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `publications_status_scheduled_idx` ON `publications` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `publications_idempotency_idx` ON `publications` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `social_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`platform` text NOT NULL,
	`external_id` text NOT NULL,
	`handle` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`service_url` text NOT NULL,
	`credentials` text NOT NULL,
	`token_expires_at` integer,
	`status` text DEFAULT 'connected' NOT NULL,
	`last_error` text,
	`connected_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`connected_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `social_accounts_external_idx` ON `social_accounts` (`workspace_id`,`platform`,`external_id`);