// `npm run reset`: wipes the local D1, R2, Queues and Durable Object state after a confirmation.
import { rmSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { root } from "./lib.mjs";

const state = `${root}/.wrangler/state`;
const confirmed =
  process.argv.includes("--yes") ||
  (await (async () => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Delete all local data in ${state} (accounts, content, media)? Type "yes" to confirm: `);
    rl.close();
    return answer.trim().toLowerCase() === "yes";
  })());
if (!confirmed) {
  console.log("Nothing deleted.");
  process.exit(1);
}
rmSync(state, { recursive: true, force: true });
console.log("Local state deleted. `npm start` recreates the database.");
