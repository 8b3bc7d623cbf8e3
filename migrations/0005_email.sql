CREATE TABLE `consent_records` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`kind` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`form` text,
	`text_shown` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `consent_records_subscriber_idx` ON `consent_records` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `email_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`send_id` text NOT NULL,
	`subscriber_id` text,
	`email` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`batch_key` text,
	`claimed_at` integer,
	`sent_at` integer,
	`provider_message_id` text,
	`error` text,
	`opened_at` integer,
	`clicked_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`send_id`) REFERENCES `email_sends`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_deliveries_once_idx` ON `email_deliveries` (`send_id`,`subscriber_id`);--> statement-breakpoint
CREATE INDEX `email_deliveries_queue_idx` ON `email_deliveries` (`send_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `email_deliveries_batch_idx` ON `email_deliveries` (`batch_key`);--> statement-breakpoint
CREATE TABLE `email_events` (
	`provider` text NOT NULL,
	`event_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`delivery_id` text,
	`type` text NOT NULL,
	`email_hash` text,
	`occurred_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`provider`, `event_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_events_workspace_idx` ON `email_events` (`workspace_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `email_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`consent_text` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_lists_name_idx` ON `email_lists` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `email_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`newsletter_id` text NOT NULL,
	`list_id` text,
	`segment_id` text,
	`status` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`subject` text NOT NULL,
	`preheader` text NOT NULL,
	`html` text NOT NULL,
	`text` text NOT NULL,
	`base_url` text NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`newsletter_id`) REFERENCES `newsletters`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`list_id`) REFERENCES `email_lists`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `email_sends_workspace_idx` ON `email_sends` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `email_sends_newsletter_idx` ON `email_sends` (`newsletter_id`);--> statement-breakpoint
CREATE TABLE `email_settings` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`api_key_encrypted` text NOT NULL,
	`from_email` text NOT NULL,
	`from_name` text NOT NULL,
	`reply_to` text,
	`unsubscribe_mailto` text NOT NULL,
	`postal_address` text DEFAULT '' NOT NULL,
	`rate_per_second` integer DEFAULT 100 NOT NULL,
	`webhook_public_key` text,
	`tracking_enabled` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `email_form_rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriber_import_rejections` (
	`import_id` text NOT NULL,
	`row` integer NOT NULL,
	`email` text NOT NULL,
	`reason` text NOT NULL,
	PRIMARY KEY(`import_id`, `row`),
	FOREIGN KEY (`import_id`) REFERENCES `subscriber_imports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `newsletters` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`subject` text NOT NULL,
	`preheader` text DEFAULT '' NOT NULL,
	`intro` text DEFAULT '' NOT NULL,
	`content_ids` text DEFAULT '[]' NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `newsletters_workspace_idx` ON `newsletters` (`workspace_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`rules` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_name_idx` ON `segments` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `subscriber_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`list_id` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`file_name` text NOT NULL,
	`r2_key` text NOT NULL,
	`file_bytes` integer NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	`next_row` integer DEFAULT 2 NOT NULL,
	`columns` text,
	`added` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`error` text,
	`consent_text` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`list_id`) REFERENCES `email_lists`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subscriber_imports_workspace_idx` ON `subscriber_imports` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `subscriber_lists` (
	`list_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`list_id`, `subscriber_id`),
	FOREIGN KEY (`list_id`) REFERENCES `email_lists`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subscriber_lists_subscriber_idx` ON `subscriber_lists` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`email` text NOT NULL,
	`email_normalized` text NOT NULL,
	`email_hash` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`status` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`source` text NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer,
	`confirmation_sent_at` integer,
	`last_engaged_at` integer,
	`last_import_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_address_idx` ON `subscribers` (`workspace_id`,`email_normalized`);--> statement-breakpoint
CREATE INDEX `subscribers_status_idx` ON `subscribers` (`workspace_id`,`status`);--> statement-breakpoint
CREATE INDEX `subscribers_hash_idx` ON `subscribers` (`workspace_id`,`email_hash`);--> statement-breakpoint
CREATE TABLE `suppressions` (
	`workspace_id` text NOT NULL,
	`email_hash` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`workspace_id`, `email_hash`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
