// A tiny element builder: h("button", { type: "button", onclick }, "Text") instead of a UI framework.

export type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown>;

/** A prop's text: props hold strings, numbers and booleans (JSON writes the last two as String would). */
const attributeText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value as EventListener);
    else if (key === "class") el.className = attributeText(value);
    else if (key === "value" && "value" in el) (el as HTMLInputElement).value = attributeText(value);
    else el.setAttribute(key, value === true ? "" : attributeText(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's content. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A status as a labelled badge: colour is never the only signal, the word is always there. */
export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge status-${status.replace(/[^a-z_]/g, "")}` }, status);
}
