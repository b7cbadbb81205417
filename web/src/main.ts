// The results page: connects to Firebase, signs the user in, and shows the view the URL's hash names.
import { onAuthStateChanged, signOut, type User } from "firebase/auth";
import { connectBackend, type Backend } from "./connect";
import { fill, h } from "./dom";
import { renderBatch } from "./views/batch";
import { renderBatches } from "./views/batches";
import { renderJob } from "./views/job";
import { renderSignIn } from "./views/sign-in";
import { renderSubmit } from "./views/submit";
import type { Session, View } from "./views/session";

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
const account = document.getElementById("account")!;
const announcer = document.getElementById("announcer")!;

let stopView: (() => void) | undefined;
let session: Session | undefined;

/** `#/batches`, `#/batch/<id>`, `#/job/<id>`, `#/submit`. */
function route(hash: string): { view: View; title: string } {
  const [, name = "", id = ""] = hash.split("/").map(decodeURIComponent);
  if (name === "batch" && id) return { view: (root, s) => renderBatch(root, s, id), title: `Batch ${id}` };
  if (name === "job" && id) return { view: (root, s) => renderJob(root, s, id), title: `Job ${id}` };
  if (name === "submit") return { view: renderSubmit, title: "Submit" };
  return { view: renderBatches, title: "Batches" };
}

function show(): void {
  stopView?.();
  stopView = undefined;
  if (!session) return;
  const { view, title } = route(location.hash);
  document.title = `${title} — LLM Agent Executor`;
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#/${location.hash.split("/")[1] ?? ""}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren();
  stopView = view(main, session);
}

async function signedIn(backend: Backend, user: User): Promise<void> {
  const token = await user.getIdTokenResult();
  session = {
    backend,
    uid: user.uid,
    admin: token.claims.admin === true,
    announce: (message) => {
      announcer.textContent = message;
    },
  };
  nav.hidden = false;
  fill(
    account,
    h("span", { class: "who" }, user.email ?? user.displayName ?? user.uid, session.admin ? " (admin)" : ""),
    h("button", { type: "button", onclick: () => void signOut(backend.auth) }, "Sign out"),
  );
  show();
}

function signedOut(backend: Backend): void {
  stopView?.();
  stopView = undefined;
  session = undefined;
  nav.hidden = true;
  account.replaceChildren();
  document.title = "Sign in — LLM Agent Executor";
  main.replaceChildren();
  renderSignIn(main, backend);
}

try {
  const backend = await connectBackend();
  window.addEventListener("hashchange", () => {
    show();
    main.focus();
  });
  onAuthStateChanged(backend.auth, (user) => void (user ? signedIn(backend, user) : signedOut(backend)));
} catch (error) {
  fill(
    main,
    h("p", { role: "alert", class: "error" }, `Could not connect to Firebase: ${error instanceof Error ? error.message : String(error)}`),
  );
}
