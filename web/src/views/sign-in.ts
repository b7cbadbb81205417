// Sign-in: Google when deployed; on the emulators also an email and password, created on the Auth emulator if new.
import { createUserWithEmailAndPassword, GoogleAuthProvider, signInWithEmailAndPassword, signInWithPopup, type User } from "firebase/auth";
import type { Backend } from "../connect";
import { append, h } from "../dom";

export function renderSignIn(root: HTMLElement, backend: Backend): void {
  const message = h("p", { role: "alert", class: "error", id: "sign-in-error" });
  const fail = (error: unknown) => {
    message.textContent = `Could not sign in: ${error instanceof Error ? error.message : String(error)}`;
  };
  const google = h(
    "button",
    { type: "button", class: "primary", onclick: () => signInWithPopup(backend.auth, new GoogleAuthProvider()).catch(fail) },
    "Sign in with Google",
  );
  append(root, [
    h("h1", {}, "Sign in"),
    h("p", {}, "Sign in to see your batches and jobs as they run, and to submit new ones."),
    google,
    backend.emulated ? emulatorForm(backend, fail) : null,
    message,
  ]);
  google.focus();
}

function emulatorForm(backend: Backend, fail: (error: unknown) => void): HTMLElement {
  const email = h("input", { id: "email", type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password",
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
    minlength: 6,
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await signInWithEmailAndPassword(backend.auth, email.value, password.value);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The Auth emulator starts empty: a new address gets an account.
      if (code === "auth/user-not-found" || code === "auth/invalid-credential") {
        await createUserWithEmailAndPassword(backend.auth, email.value, password.value)
          .then(({ user }) => markVerified(backend, user))
          .catch(fail);
      } else fail(error);
    }
  };
  return h(
    "form",
    { class: "emulator-sign-in", onsubmit: submit, "aria-labelledby": "emulator-sign-in-title" },
    h("h2", { id: "emulator-sign-in-title" }, "Or, on the Auth emulator, with an email"),
    h(
      "p",
      { class: "hint" },
      "Any address works: it is created on first use, its email marked verified (submitting needs a verified email). " +
        "These accounts exist only while the emulators run.",
    ),
    h("label", { for: "email" }, "Email"),
    email,
    h("label", { for: "password" }, "Password (6 characters or more)"),
    password,
    h("button", { type: "submit" }, "Sign in"),
  );
}

/**
 * On the Auth emulator only: marks a new account's email verified, as opening the verification link would, through the
 * emulator's admin API (it takes `Bearer owner` as an admin's credential), then refreshes the ID token so that the
 * callables see the claim. Deployed, verification is the user's own: SUBMITTERS admits verified addresses by default.
 */
async function markVerified(backend: Backend, user: User): Promise<void> {
  const emulator = backend.auth.emulatorConfig;
  if (!emulator) return;
  const at = `${emulator.protocol}://${emulator.host}${emulator.port ? `:${emulator.port}` : ""}`;
  const project = backend.app.options.projectId ?? "";
  const response = await fetch(`${at}/identitytoolkit.googleapis.com/v1/projects/${project}/accounts:update`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer owner" },
    body: JSON.stringify({ localId: user.uid, emailVerified: true }),
  });
  if (!response.ok) throw new Error(`the Auth emulator did not mark ${user.email ?? user.uid} verified: ${response.status}`);
  await user.getIdToken(true);
}
