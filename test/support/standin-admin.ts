// Drives the stand-in that the Functions emulator's workers call, through its admin HTTP API.

function baseUrl(): string {
  const url = process.env.GEMINI_BASE_URL;
  if (!url) throw new Error("GEMINI_BASE_URL is not set: the integration suite needs the shared stand-in that `npm test` starts");
  return url;
}

export async function configureStandin(options: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${baseUrl()}/__standin/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  if (!res.ok) throw new Error(`stand-in config failed: ${res.status} ${await res.text()}`);
}

export async function resetStandin(): Promise<void> {
  const res = await fetch(`${baseUrl()}/__standin/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`stand-in reset failed: ${res.status}`);
}

export async function standinRequests(): Promise<{ model: string; userPrompt: string }[]> {
  const res = await fetch(`${baseUrl()}/__standin/requests`);
  return ((await res.json()) as { requests: { model: string; userPrompt: string }[] }).requests;
}
