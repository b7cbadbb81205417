// The runtime as a local driver holds it (the CLIs, the tests): createRuntime's, whose stand-in, when it started one,
// is this machine's server, with its knobs and request log. The core's own Runtime knows only a StandinHandle.
import type { Runtime as CoreRuntime } from "../../shared/runtime/create-runtime";
import type { Standin } from "./standin-server";

export type Runtime = CoreRuntime<Standin>;
