/** Generation settings pages: the provider chain with its keys, the price table and budget, brand voices. */
import { tokenKey } from "../../../lib/config/env";
import { allowsLoopback } from "../../../lib/http/loopback";
import { Hono } from "hono";
import type { AiProvider, BrandVoice } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { addProvider, budgetInput, budgetOf, deleteProvider, listProviders, moveProvider, priceInput, priceTable, providerInput, setBudget, setPrice } from "./providers";
import { Nav } from "./ui";
import { createVoice, deleteVoice, getVoice, listVoices, updateVoice, voiceInput } from "./voices";

export const generationSettingsPages = new Hono<AppEnv>();

const EXAMPLES = [
  ["OpenAI", "https://api.openai.com/v1"],
  ["Cloudflare Workers AI", "https://api.cloudflare.com/client/v4/accounts/ACCOUNT_ID/ai/v1"],
  ["Cloudflare AI Gateway", "https://gateway.ai.cloudflare.com/v1/ACCOUNT_ID/GATEWAY/openai"],
  ["Groq", "https://api.groq.com/openai/v1"],
  ["Anthropic (OpenAI-compatible)", "https://api.anthropic.com/v1"],
  ["Ollama (local; needs ALLOW_LOOPBACK=1)", "http://localhost:11434/v1"],
];

function ActionButton(props: { action: string; label: string; csrf: string; kind?: string; confirm?: string; fields?: Record<string, string> }) {
  return (
    <form method="post" action={props.action} hx-confirm={props.confirm}>
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? "secondary"}>
        {props.label}
      </button>
    </form>
  );
}

function ProviderRow(props: { provider: AiProvider; base: string; csrf: string; manage: boolean; first: boolean; last: boolean }) {
  const p = props.provider;
  const action = `${props.base}/generate/providers/${p.id}`;
  return (
    <tr>
      <td>{p.name}</td>
      <td>
        <code>{p.baseUrl}</code>
      </td>
      <td>
        {p.model}
        {p.imageModel && <small class="hint"> · images: {p.imageModel}</small>}
      </td>
      <td>{p.apiKeyHint ? `…${p.apiKeyHint}` : "none"}</td>
      <td>{p.jsonMode ? "yes" : "no"}</td>
      <td class="row-actions">
        {props.manage && (
          <>
            {!props.first && <ActionButton action={`${action}/move`} label="Up" csrf={props.csrf} fields={{ direction: "up" }} />}
            {!props.last && <ActionButton action={`${action}/move`} label="Down" csrf={props.csrf} fields={{ direction: "down" }} />}
            <ActionButton action={`${action}/delete`} label="Remove" kind="danger" csrf={props.csrf} confirm={`Remove ${p.name} and its API key?`} />
          </>
        )}
      </td>
    </tr>
  );
}

generationSettingsPages.get("/generate/providers", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const manage = can(access.role, "generation.configure");
  const [providers, prices, budget] = await Promise.all([listProviders(c.var.db, access), priceTable(c.var.db, access), budgetOf(c.var.db, access.workspace.id)]);
  return renderPage(
    c,
    { title: "AI providers", area: "generate", inWorkspace: true },
    <>
      <h1>AI providers</h1>
      <Nav base={base} current="generate/providers" />
      <p class="hint">
        Any OpenAI-compatible endpoint. Jobs try the first provider; on a rate limit, a server error or a timeout they retry with backoff, then move to the next. With none, jobs use the built-in offline generator.
      </p>
      {providers.length === 0 ? (
        <EmptyState title="No providers">Jobs write offline drafts until you add one.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Base URL</th>
              <th>Model</th>
              <th>API key</th>
              <th>JSON mode</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {providers.map((p, i) => (
              <ProviderRow provider={p} base={base} csrf={c.var.csrfToken} manage={manage} first={i === 0} last={i === providers.length - 1} />
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <details class="card" open={providers.length === 0}>
          <summary>Add a provider</summary>
          <form method="post" action={`${base}/generate/providers`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Name" name="name" required />
            <Field label="Base URL" name="baseUrl" type="url" required hint={EXAMPLES.map(([n, u]) => `${n}: ${u}`).join(" · ")} />
            <Field label="Model" name="model" required hint="For example gpt-4o-mini, @cf/meta/llama-3.1-8b-instruct, llama-3.1-8b-instant, claude-haiku-4-5" />
            <Field label="Image model (optional)" name="imageModel" hint="For example dall-e-3 or gpt-image-1" />
            <Field label="API key" name="apiKey" type="password" autocomplete="off" hint="Stored encrypted; never shown again." />
            <label class="check" style="display:block;margin:.25rem 0 1rem">
              <input type="checkbox" name="jsonMode" value="on" checked /> The server supports JSON mode (response_format)
            </label>
            <p>
              <button type="submit">Add provider</button>
            </p>
          </form>
        </details>
      )}
      <h2>Monthly budget</h2>
      <p>
        {`$${budget.spentUsd.toFixed(2)} spent since ${budget.since.toISOString().slice(0, 10)}`}
        {budget.monthlyBudgetUsd !== null ? ` of $${budget.monthlyBudgetUsd.toFixed(2)}. New jobs are refused once it is spent.` : "; no budget set."}
      </p>
      {manage && (
        <form method="post" action={`${base}/generate/budget`} class="inline">
          <CsrfField token={c.var.csrfToken} />
          <Field label="Budget in US dollars per month (empty: no limit)" name="monthlyBudgetUsd" type="number" value={budget.monthlyBudgetUsd?.toString() ?? ""} />
          <button type="submit">Save budget</button>
        </form>
      )}
      <h2>Prices</h2>
      <p class="hint">US dollars per million tokens and per image; edit them to match your contracts.</p>
      <table>
        <thead>
          <tr>
            <th>Model</th>
            <th>Input / 1M</th>
            <th>Output / 1M</th>
            <th>Per image</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {prices.map((p) => (
            <tr>
              <td>
                {p.model}
                {p.custom && <span class="badge">yours</span>}
              </td>
              {manage ? (
                <td colspan={4}>
                  <form method="post" action={`${base}/generate/prices`} class="inline">
                    <CsrfField token={c.var.csrfToken} />
                    <input type="hidden" name="model" value={p.model} />
                    <input type="number" step="any" min="0" style="width:7rem" name="inputPerMillion" value={String(p.inputPerMillion)} aria-label={`${p.model} input price`} />
                    <input type="number" step="any" min="0" style="width:7rem" name="outputPerMillion" value={String(p.outputPerMillion)} aria-label={`${p.model} output price`} />
                    <input type="number" step="any" min="0" style="width:7rem" name="perImage" value={String(p.perImage)} aria-label={`${p.model} image price`} />
                    <button type="submit" class="secondary">
                      Save
                    </button>
                  </form>
                </td>
              ) : (
                <>
                  <td>{p.inputPerMillion}</td>
                  <td>{p.outputPerMillion}</td>
                  <td>{p.perImage}</td>
                  <td></td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>,
  );
});

generationSettingsPages.post("/generate/providers", async (c) => {
  await addProvider(c.var.db, tokenKey(c.env), c.var.access, parseInput(providerInput, await formInput(c)), allowsLoopback(c.env));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/providers`);
});

generationSettingsPages.post("/generate/providers/:providerId/move", async (c) => {
  const { direction } = await formInput(c);
  await moveProvider(c.var.db, c.var.access, c.req.param("providerId"), direction === "up" ? "up" : "down");
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/providers`);
});

generationSettingsPages.post("/generate/providers/:providerId/delete", async (c) => {
  await deleteProvider(c.var.db, c.var.access, c.req.param("providerId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/providers`);
});

generationSettingsPages.post("/generate/prices", async (c) => {
  await setPrice(c.var.db, c.var.access, parseInput(priceInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/providers`);
});

generationSettingsPages.post("/generate/budget", async (c) => {
  await setBudget(c.var.db, c.var.access, parseInput(budgetInput, await formInput(c)).monthlyBudgetUsd);
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/providers`);
});

function VoiceForm(props: { action: string; csrf: string; voice?: BrandVoice; submit: string }) {
  const v = props.voice;
  const area = (name: string, label: string, value: string, hint: string) => (
    <Field label={label} name={name} hint={hint}>
      <textarea id={`f-${name}`} name={name} rows={3}>
        {value}
      </textarea>
    </Field>
  );
  return (
    <form method="post" action={props.action} class="card">
      <CsrfField token={props.csrf} />
      <Field label="Name" name="name" value={v?.name ?? ""} required />
      <Field label="Tone" name="tone" value={v?.tone ?? ""} hint="For example: warm, plain-spoken, a little dry" />
      <Field label="Audience" name="audience" value={v?.audience ?? ""} />
      {area("dos", "Do", v?.dos.join("\n") ?? "", "One per line")}
      {area("donts", "Don't", v?.donts.join("\n") ?? "", "One per line")}
      {area("bannedWords", "Banned words", v?.bannedWords.join(", ") ?? "", "Comma-separated; checked in every output")}
      {area("examples", "Example posts", v?.examples.join("\n") ?? "", "One per line")}
      <Field label="Language (two-letter code)" name="language" value={v?.language ?? "en"} />
      <button type="submit">{props.submit}</button>
    </form>
  );
}

generationSettingsPages.get("/generate/voices", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const voices = await listVoices(c.var.db, access);
  return renderPage(
    c,
    { title: "Brand voices", area: "generate", inWorkspace: true },
    <>
      <h1>Brand voices</h1>
      <Nav base={base} current="generate/voices" />
      {voices.length === 0 ? (
        <EmptyState title="No brand voices">A voice's tone, audience, do and don't lists and banned words go into every prompt, and its output is checked against them.</EmptyState>
      ) : (
        <ul>
          {voices.map((v) => (
            <li>
              <a href={`${base}/generate/voices/${v.id}`}>{v.name}</a> <span class="hint">{v.tone}</span>
            </li>
          ))}
        </ul>
      )}
      {can(access.role, "voices.manage") && (
        <>
          <h2>New voice</h2>
          <VoiceForm action={`${base}/generate/voices`} csrf={c.var.csrfToken} submit="Create voice" />
        </>
      )}
    </>,
  );
});

generationSettingsPages.post("/generate/voices", async (c) => {
  await createVoice(c.var.db, c.var.access, parseInput(voiceInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/voices`);
});

generationSettingsPages.get("/generate/voices/:voiceId", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const voice = await getVoice(c.var.db, access, c.req.param("voiceId"));
  const manage = can(access.role, "voices.manage");
  return renderPage(
    c,
    { title: voice.name, area: "generate", inWorkspace: true },
    <>
      <h1>{voice.name}</h1>
      <p>
        <a href={`${base}/generate/voices`}>All voices</a>
      </p>
      {manage ? (
        <>
          <VoiceForm action={`${base}/generate/voices/${voice.id}`} csrf={c.var.csrfToken} voice={voice} submit="Save voice" />
          <ActionButton action={`${base}/generate/voices/${voice.id}/delete`} label="Delete voice" kind="danger" csrf={c.var.csrfToken} confirm={`Delete ${voice.name}?`} />
        </>
      ) : (
        <dl>
          <dt>Tone</dt>
          <dd>{voice.tone}</dd>
          <dt>Audience</dt>
          <dd>{voice.audience}</dd>
          <dt>Banned words</dt>
          <dd>{voice.bannedWords.join(", ")}</dd>
        </dl>
      )}
    </>,
  );
});

generationSettingsPages.post("/generate/voices/:voiceId", async (c) => {
  await updateVoice(c.var.db, c.var.access, c.req.param("voiceId"), parseInput(voiceInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/voices`);
});

generationSettingsPages.post("/generate/voices/:voiceId/delete", async (c) => {
  await deleteVoice(c.var.db, c.var.access, c.req.param("voiceId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/voices`);
});
