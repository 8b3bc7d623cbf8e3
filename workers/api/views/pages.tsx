import type { Child } from "hono/jsx";
import { Layout } from "./layout";

export function ErrorPage(props: { status: number; message: string; csrfToken: string }) {
  const title = props.status === 404 ? "Not found" : props.status >= 500 ? "Something went wrong" : "That did not work";
  return (
    <Layout title={title} csrfToken={props.csrfToken}>
      <section class="card narrow">
        <h1>{title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/">Back to the start</a>
        </p>
      </section>
    </Layout>
  );
}

/** A form field with its label and, when the last submission was refused, the reason. */
export function Field(props: {
  label: string;
  name: string;
  type?: string;
  value?: string;
  required?: boolean;
  autocomplete?: string;
  minlength?: number;
  hint?: string;
  children?: Child;
}) {
  const id = `f-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      {props.children ?? (
        <input
          id={id}
          name={props.name}
          type={props.type ?? "text"}
          value={props.value}
          required={props.required}
          autocomplete={props.autocomplete}
          minlength={props.minlength}
          aria-describedby={props.hint ? `${id}-hint` : undefined}
        />
      )}
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
    </p>
  );
}

export function EmptyState(props: { title: string; children: Child }) {
  return (
    <section class="empty">
      <h2>{props.title}</h2>
      <p>{props.children}</p>
    </section>
  );
}
