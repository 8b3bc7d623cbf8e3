CREATE TABLE `ai_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`base_url` text NOT NULL,
	`model` text NOT NULL,
	`image_model` text,
	`api_key_sealed` text,
	`api_key_hint` text,
	`json_mode` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ai_providers_workspace_idx` ON `ai_providers` (`workspace_id`,`position`);--> statement-breakpoint
CREATE TABLE `brand_voices` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`tone` text DEFAULT '' NOT NULL,
	`audience` text DEFAULT '' NOT NULL,
	`dos` text DEFAULT '[]' NOT NULL,
	`donts` text DEFAULT '[]' NOT NULL,
	`banned_words` text DEFAULT '[]' NOT NULL,
	`examples` text DEFAULT '[]' NOT NULL,
	`language` text DEFAULT 'en' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `brand_voices_workspace_idx` ON `brand_voices` (`workspace_id`);--> statement-breakpoint
CREATE TABLE `generation_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`step` text NOT NULL,
	`ok` integer NOT NULL,
	`http_status` integer,
	`error` text,
	`duration_ms` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `generation_jobs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `generation_attempts_job_idx` ON `generation_attempts` (`job_id`,`id`);--> statement-breakpoint
CREATE TABLE `generation_cache` (
	`workspace_id` text NOT NULL,
	`key` text NOT NULL,
	`text` text NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`workspace_id`, `key`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `generation_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`created_by` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`request` text NOT NULL,
	`steps_total` integer DEFAULT 1 NOT NULL,
	`steps_done` integer DEFAULT 0 NOT NULL,
	`step_label` text DEFAULT 'Queued' NOT NULL,
	`offline` integer DEFAULT false NOT NULL,
	`provider` text,
	`model` text,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`images` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`cache_hits` integer DEFAULT 0 NOT NULL,
	`error` text,
	`raw_output` text,
	`problems` text DEFAULT '[]' NOT NULL,
	`content_id` text,
	`retry_of` text,
	`heartbeat_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`content_id`) REFERENCES `content`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `generation_jobs_workspace_idx` ON `generation_jobs` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `generation_settings` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`monthly_budget_usd` real,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `model_prices` (
	`workspace_id` text NOT NULL,
	`model` text NOT NULL,
	`input_per_million` real DEFAULT 0 NOT NULL,
	`output_per_million` real DEFAULT 0 NOT NULL,
	`per_image` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `model`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
