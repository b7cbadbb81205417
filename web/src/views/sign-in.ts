// Sign-in: Google when deployed; on the emulators also an email and password, created on the Auth emulator if new.
import { createUserWithEmailAndPassword, GoogleAuthProvider, signInWithEmailAndPassword, signInWithPopup } from "firebase/auth";
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
        await createUserWithEmailAndPassword(backend.auth, email.value, password.value).catch(fail);
      } else fail(error);
    }
  };
  return h(
    "form",
    { class: "emulator-sign-in", onsubmit: submit, "aria-labelledby": "emulator-sign-in-title" },
    h("h2", { id: "emulator-sign-in-title" }, "Or, on the Auth emulator, with an email"),
    h("p", { class: "hint" }, "Any address works: it is created on first use. These accounts exist only while the emulators run."),
    h("label", { for: "email" }, "Email"),
    email,
    h("label", { for: "password" }, "Password (6 characters or more)"),
    password,
    h("button", { type: "submit" }, "Sign in"),
  );
}
