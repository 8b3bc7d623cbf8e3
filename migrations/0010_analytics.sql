-- Pre-aggregated engagement (issue 8), written by hand to match lib/db/schema/analytics.ts: the
-- latest figures per publication, per-day sums by dimension, and email figures per day.
CREATE TABLE `email_daily` (
	`workspace_id` text NOT NULL,
	`day` integer NOT NULL,
	`delivered` integer DEFAULT 0 NOT NULL,
	`opened` integer DEFAULT 0 NOT NULL,
	`clicked` integer DEFAULT 0 NOT NULL,
	`unsubscribed` integer DEFAULT 0 NOT NULL,
	`bounced` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `day`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `metric_daily` (
	`workspace_id` text NOT NULL,
	`dimension` text NOT NULL,
	`day` integer NOT NULL,
	`key` text NOT NULL,
	`posts` integer DEFAULT 0 NOT NULL,
	`impressions` integer DEFAULT 0 NOT NULL,
	`likes` integer DEFAULT 0 NOT NULL,
	`comments` integer DEFAULT 0 NOT NULL,
	`shares` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `dimension`, `day`, `key`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `publication_totals` (
	`publication_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`account_id` text NOT NULL,
	`platform` text NOT NULL,
	`content_id` text NOT NULL,
	`kind` text NOT NULL,
	`campaign_id` text,
	`published_at` integer NOT NULL,
	`published_month` integer NOT NULL,
	`impressions` integer,
	`likes` integer DEFAULT 0 NOT NULL,
	`comments` integer DEFAULT 0 NOT NULL,
	`shares` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`engagements` integer DEFAULT 0 NOT NULL,
	`pulled_at` integer NOT NULL,
	FOREIGN KEY (`publication_id`) REFERENCES `publications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `publication_totals_top_idx` ON `publication_totals` (`workspace_id`,`published_month`,`engagements`);--> statement-breakpoint
CREATE INDEX `publication_totals_account_idx` ON `publication_totals` (`workspace_id`,`account_id`,`published_at`);
