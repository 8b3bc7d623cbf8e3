CREATE TABLE `source_items` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`source_id` text NOT NULL,
	`canonical_url` text NOT NULL,
	`url` text NOT NULL,
	`title` text NOT NULL,
	`author` text,
	`published_at` integer,
	`summary` text,
	`content_html` text,
	`image_url` text,
	`simhash` text NOT NULL,
	`story_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `source_items_canonical_idx` ON `source_items` (`workspace_id`,`canonical_url`);--> statement-breakpoint
CREATE INDEX `source_items_workspace_created_idx` ON `source_items` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `source_items_source_idx` ON `source_items` (`source_id`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`query` text,
	`needs_js` integer DEFAULT false NOT NULL,
	`interval_minutes` integer DEFAULT 60 NOT NULL,
	`next_run_at` integer NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`etag` text,
	`last_modified` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_success_at` integer,
	`last_error` text,
	`last_error_at` integer,
	`items_found` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sources_due_idx` ON `sources` (`paused`,`next_run_at`);--> statement-breakpoint
CREATE INDEX `sources_workspace_idx` ON `sources` (`workspace_id`);