// What every view is given: the connected SDKs, who is signed in, and a way to tell screen-reader users of a change.
import type { Backend } from "../connect";

export interface Session {
  backend: Backend;
  uid: string;
  /** The custom claim admin == true: the rules let an admin read every document, so lists are not filtered by owner. */
  admin: boolean;
  /** Says a change aloud through the page's polite live region. */
  announce: (message: string) => void;
}

/** Renders into `root` and returns what stops its listeners. */
export type View = (root: HTMLElement, session: Session) => () => void;
