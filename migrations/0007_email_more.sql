-- Email (issue 7), written by hand; lib/db/schema/email.ts matches it.
-- A send's last sign of life (a run starting, a batch completed): the publisher's minute sweep puts
-- a message back for a running send whose heartbeat is old (workers/publisher/email/sweep.ts).
ALTER TABLE `email_sends` ADD `heartbeat_at` integer;
--> statement-breakpoint
-- The sweep's lookup: sends by status and due time.
CREATE INDEX `email_sends_due_idx` ON `email_sends` (`status`,`scheduled_at`);
--> statement-breakpoint
-- Provider events are deduplicated per workspace: workspaces that share one SendGrid account each get
-- every event of it on their own webhook, with the same sg_event_id. The table is rebuilt with the
-- workspace in its primary key (SQLite cannot change a primary key in place).
CREATE TABLE `__new_email_events` (
	`provider` text NOT NULL,
	`event_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`delivery_id` text,
	`type` text NOT NULL,
	`email_hash` text,
	`occurred_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`provider`, `workspace_id`, `event_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_email_events` (`provider`, `event_id`, `workspace_id`, `delivery_id`, `type`, `email_hash`, `occurred_at`, `created_at`)
	SELECT `provider`, `event_id`, `workspace_id`, `delivery_id`, `type`, `email_hash`, `occurred_at`, `created_at` FROM `email_events`;
--> statement-breakpoint
DROP TABLE `email_events`;
--> statement-breakpoint
ALTER TABLE `__new_email_events` RENAME TO `email_events`;
--> statement-breakpoint
CREATE INDEX `email_events_workspace_idx` ON `email_events` (`workspace_id`,`occurred_at`);
