// The results page end to end: headless Chromium against the page on the Hosting emulator, the real triggers running
// the jobs (Functions emulator, the Gemini stand-in), signed in through the Auth emulator, reading Firestore live.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJobId } from "../../shared/batch/batch-ids";
import { watchBatch } from "../../local/batch/watch-batch";
import type { JobConfig } from "../../shared/config/config-schemas";
import { getDb } from "../../shared/pipeline/firestore";
import type { JobEnvelope } from "../../shared/pipeline/job-document";
import { requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";
import { configureStandin, resetStandin } from "../support/standin-admin";
import { launchChromium, screenshot, SCREENSHOT_DIR } from "./support/browser";
import { parseCsv } from "./support/csv";
import { callCallable, createUser, idTokenFor, pageUrl } from "./support/stack";
import { writeEndedBatch } from "../support/ended-batch";

const PASSWORD = "e2e-password";

/** A row of the rows table inside the page; the tests compile without the DOM library, so what is read is declared. */
interface TableRow {
  querySelectorAll(selectors: "td"): ArrayLike<{ textContent: string | null }>;
}

const ROWS = [
  { city: "Oslo", lang: "no", target: "E2eGreetings" },
  { city: "Paris", lang: "fr", target: "E2eGreetings" },
  { city: "Lyon", lang: "fr", target: "E2eGreetings" },
  // firestore_log refuses the pipeline's own collections: this row fails, deterministically, with function_error.
  { city: "Nice", lang: "fr", target: "jobs" },
  { city: "Bergen", lang: "no", target: "E2eGreetings" },
];
/** A greeting per row, then the row logged with firestore_log: two steps, so a job shows a chain of steps. */
const TEMPLATE = {
  task_id: "greet",
  input_config: { payload: { city: "", lang: "", target: "" } },
  steps: [
    {
      id: "greet",
      name: "greet",
      step_type: 0,
      input_config: { payload: { city: "", lang: "", target: "" } },
      model_query_config: {
        model_key: "GEMINI_FLASH",
        system_prompt: "You greet cities in their own language (%lang%).",
        user_prompt: "Write a one-line greeting to %city%.",
      },
      output_config: { payload: { city: "", target: "", greeting: "" } },
    },
    {
      id: "log",
      name: "log",
      step_type: 1,
      input_config: { payload: { city: "", target: "", greeting: "" } },
      function_call_config: {
        function_name: "firestore_log",
        request: '{"collection": "%target%", "data": {"city": "%city%", "greeting": "%greeting%"}}',
      },
      output_config: { payload: { greeting: "", log_result: "" } },
    },
  ],
  output_config: { payload: { greeting: "", log_result: "" } },
  next_task: "",
};

let browser: Browser;
let page: Page;
let db: Firestore;
let url: string;
let ownerUid: string;
const batchId = uniqueId("e2e-batch");
/** The batch as a researcher writes it: submitted through the page's form and the submitBatch callable. */
const BATCH = { batch_id: batchId, job: { task_config: TEMPLATE }, rows: ROWS };
const jobIds = ROWS.map((_, rowIndex) => runJobId(batchId, rowIndex, 0));
const email = `${uniqueId("researcher")}@example.com`;

const bar = () => page.locator(".batch-progress [role=progressbar]").first();
const figure = (name: string) => page.locator(`.batch-progress [data-figure=${name}]`).first();

beforeAll(async () => {
  requireEmulator();
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST)
    throw new Error("FIREBASE_AUTH_EMULATOR_HOST is not set: the e2e phase must start the Auth emulator");
  db = await getDb();
  url = await pageUrl();
  ownerUid = await createUser(email, PASSWORD);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 760 }, acceptDownloads: true });
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
});

afterAll(async () => {
  await resetStandin();
  await browser?.close();
});

describe("the results page", () => {
  it("signs in through the Auth emulator", async () => {
    await page.goto(url);
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await screenshot(page, "sign-in");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Batches" }).waitFor();
    await expect(page.locator("#account").textContent()).resolves.toContain(email);
    await page.getByText("No batches yet").waitFor();
  });

  it("submits a batch through the page's form and the submitBatch callable, then shows its progress live, row by row, to completion", async () => {
    // Each model call takes a while, so that the runs the queue admits end one after another, as in a real batch.
    await configureStandin({ latencyMs: 600 });
    await page.getByRole("link", { name: "Submit", exact: true }).click();
    await page.getByLabel(/^Config/).fill(`// a batch, as JSONC\n${JSON.stringify(BATCH, null, 2)}`);
    await page.locator("#config-kind").getByText("A batch config: no problems found.").waitFor();
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(new RegExp(`#/batch/${batchId}$`));
    await page.getByRole("heading", { name: new RegExp(`^Batch ${batchId}`) }).waitFor();
    const stored = (await db.doc(`batches/${batchId}`).get()).data();
    expect(stored).toMatchObject({ owner_uid: ownerUid, runs_total: ROWS.length, variables: ["city", "lang", "target"] });

    // Every value the progress bar takes until all rows have ended: the page follows the rows as they end.
    const seen = new Set<number>();
    const until = Date.now() + 90_000;
    for (;;) {
      const now = Number(await bar().getAttribute("aria-valuenow"));
      seen.add(now);
      if (now === ROWS.length) break;
      if (Date.now() > until) throw new Error(`the progress bar stopped at ${now} of ${ROWS.length}`);
      await page.waitForTimeout(100);
    }
    expect([...seen].some((n) => n > 0 && n < ROWS.length)).toBe(true);
    expect(await bar().getAttribute("aria-valuemax")).toBe(String(ROWS.length));
    await expect(figure("done").textContent()).resolves.toBe("4");
    await expect(figure("failed").textContent()).resolves.toBe("1");
    expect(Number((await figure("tokens").textContent())?.replace(/,/g, ""))).toBeGreaterThan(0);
    expect(await figure("pace").textContent()).toMatch(/rows\/min$/);
    await page.locator("#row-count").getByText(`Showing ${ROWS.length} of ${ROWS.length} rows`).waitFor();
    await screenshot(page, "batch-rows");

    await resetStandin();
    // The engine's end of the batch (its final counts and usage), written by whoever reads its progress first.
    expect((await watchBatch(db, batchId, { timeoutMs: 60_000, intervalMs: 500 })).status).toBe("failed");
    await page.getByRole("link", { name: "Batches", exact: true }).first().click();
    const card2 = page.locator(`article[data-batch-id="${batchId}"]`);
    await card2
      .locator(".badge", { hasText: "success" })
      .or(card2.locator(".badge", { hasText: "failed" }))
      .waitFor();
    await expect(card2.locator("[role=progressbar]").getAttribute("aria-valuenow")).resolves.toBe(String(ROWS.length));
    await expect(card2.locator("[data-figure=eta]").locator("xpath=preceding-sibling::dt[1]").textContent()).resolves.toBe("Took");
    await screenshot(page, "batches");
  });

  it("filters the rows by status and by an input variable, and sorts them from the keyboard", async () => {
    await page.goto(`${url}#/batch/${encodeURIComponent(batchId)}`);
    await page.locator("#row-count").getByText(`of ${ROWS.length} rows`).waitFor();
    const shownCities = () =>
      page
        .locator("table.rows tbody tr")
        .evaluateAll((trs: TableRow[]) => trs.map((tr) => tr.querySelectorAll("td")[2]?.textContent ?? ""));

    await page.getByLabel("Status").selectOption("failed");
    await page.locator("#row-count").getByText(`Showing 1 of ${ROWS.length} rows`).waitFor();
    await expect(page.locator("table.rows tbody tr").first().textContent()).resolves.toContain("Nice");

    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Input variable").selectOption("lang");
    await page.getByLabel("contains").fill("no");
    await page.locator("#row-count").getByText(`Showing 2 of ${ROWS.length} rows`).waitFor();
    expect(await shownCities()).toEqual(["Oslo", "Bergen"]);

    // Keyboard only: focus the city column's sort button and press Enter twice (ascending, then descending).
    const sortCity = page.locator('button.sort[data-column="input.city"]');
    await sortCity.focus();
    await page.keyboard.press("Enter");
    await expect(page.locator('th:has(button[data-column="input.city"])').getAttribute("aria-sort")).resolves.toBe("ascending");
    expect(await shownCities()).toEqual(["Bergen", "Oslo"]);
    await page.keyboard.press("Enter");
    await expect(page.locator('th:has(button[data-column="input.city"])').getAttribute("aria-sort")).resolves.toBe("descending");
    expect(await shownCities()).toEqual(["Oslo", "Bergen"]);
    await screenshot(page, "batch-rows-filtered");
  });

  it("downloads the CSV of the rows shown: the export's columns, one record per row, as Firestore holds them", async () => {
    const csv = await downloadCsv();
    const [header, ...records] = parseCsv(csv).map((r) => r.fields);
    // The columns of `npm run export` (the batch engine's batchColumns), in the batch's variable order.
    expect(header).toEqual([
      "row_id",
      "repeat",
      "model",
      "input.city",
      "input.lang",
      "input.target",
      "output.greeting",
      "output.log_result",
      "status",
      "error_code",
      "error_message",
      "prompt_tokens",
      "output_tokens",
      "total_tokens",
      "thinking_tokens",
      "cached_tokens",
      "cache_write_tokens",
      "tool_use_prompt_tokens",
      "cost_usd",
      "standard_cost_usd",
      "unpriced_tokens",
      "cached_steps",
      "latency_ms",
      "attempts",
      "job_id",
    ]);
    expect(records.map((r) => r[3])).toEqual(["Oslo", "Bergen"]);
    for (const record of records) {
      const job = (await db.doc(`jobs/${record[24]}`).get()).data() as JobEnvelope & Pick<JobConfig, "status">;
      expect(record.slice(0, 3)).toEqual([job.row_id, "0", ""]);
      expect(record[6]).toBe(job.output_payload!.greeting);
      expect(record[8]).toBe(job.status);
      expect(record.slice(11, 14)).toEqual([job.usage!.prompt_tokens, job.usage!.output_tokens, job.usage!.total_tokens].map(String));
      expect(record[18]).toBe(String(job.cost!.usd));
      // A synchronous batch: no second cost.
      expect(record[19]).toBe("");
      expect(record[23]).toBe(String(job.runs));
    }
    expect(csv.endsWith("\r\n")).toBe(true);
  });

  it("downloads, with no filter, the very bytes `npm run export -- <batchId> --format csv` writes", async () => {
    await page.getByLabel("Input variable").selectOption("");
    await page.getByLabel("contains").fill("");
    await page.locator("#row-count").getByText(`Showing ${ROWS.length} of ${ROWS.length} rows`).waitFor();
    await page.locator('button.sort[data-column="job_id"]').click();
    const fromPage = await downloadCsv();
    const exported = spawnSync("npm", ["run", "--silent", "export", "--", batchId, "--format", "csv"], { encoding: "utf8" });
    expect(exported.status, exported.stderr).toBe(0);
    expect(fromPage).toBe(exported.stdout);
  });

  it("opens a job and reads a step's interpolated prompts and response, collapsed until asked for", async () => {
    await page.goto(`${url}#/batch/${encodeURIComponent(batchId)}`);
    await page.getByRole("link", { name: jobIds[0]! }).click();
    await page.getByRole("heading", { name: new RegExp(`^Job ${jobIds[0]}`) }).waitFor();
    const chainRow = page.locator("table.chain tbody tr").first();
    await chainRow.locator(".badge", { hasText: "success" }).waitFor();
    const step = page.locator('details.step[data-step="greet"]');
    await step.waitFor();
    expect(await step.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    await expect(step.locator('[data-text="user-prompt"] pre').isVisible()).resolves.toBe(false);
    await step.locator("summary").focus();
    await page.keyboard.press("Enter");
    await expect(step.locator('[data-text="user-prompt"] pre').textContent()).resolves.toBe("Write a one-line greeting to Oslo.");
    await expect(step.locator('[data-text="system-prompt"] pre').textContent()).resolves.toBe(
      "You greet cities in their own language (no).",
    );
    await expect(step.locator('[data-text="response"] pre').textContent()).resolves.toContain("Write a one-line greeting to Oslo.");
    await screenshot(page, "job");

    // The failed row: its error as `path: message`.
    await page.goto(`${url}#/job/${encodeURIComponent(jobIds[3]!)}`);
    const failed = page.locator("section.task .error-block").first();
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/function_error/);
    expect(await failed.locator("li").first().textContent()).toMatch(/^steps\[1\][^:]*: .*jobs/);
    await screenshot(page, "job-failed");
  });

  it("shows a job's final output kept in outputs/ when it was too large for the job document", async () => {
    // The documents as the finish writes them for such a job (test/emulator/event-claim.test.ts makes a real one).
    const jobId = uniqueId("e2e-bigout");
    const taskDocId = `${jobId}~run1~1~only`;
    const answer = `kept in outputs/ ${"and long ".repeat(50)}`;
    await db
      .doc(`outputs/${taskDocId}`)
      .set({ owner_uid: ownerUid, status: "success", job_id: jobId, task_doc_id: taskDocId, steps: [], output_payload: { answer } });
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      owner_uid: ownerUid,
      status: "success",
      run_id: "run1",
      runs: 1,
      tasks_done: 1,
      task_config: { task_id: "only" },
      output_payload_ref: `outputs/${taskDocId}`,
    });
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    const output = page.locator("details.job-output");
    await output.locator("summary").click();
    await expect(output.locator("dd pre").first().textContent()).resolves.toBe(answer);
  });

  it("checks a pasted config inline with the engine's messages, then submits it through submitJob and follows the job live", async () => {
    await page.getByRole("link", { name: "Submit" }).click();
    const area = page.getByLabel(/^Config/);
    const bad = {
      task_config: {
        ...TEMPLATE,
        steps: [{ ...TEMPLATE.steps[0], model_query_config: { model_key: "GEMINI_FLAHS", user_promt: "typo" } }],
        next_task: "nowhere",
      },
    };
    await area.fill(JSON.stringify(bad, null, 2));
    const issues = page.locator("#config-issues li");
    await issues.first().waitFor();
    const lines = await issues.allTextContents();
    expect(lines).toContain("task_config.steps[0].model_query_config.user_promt: unknown field (check its spelling)");
    expect(lines.some((l) => l.startsWith('task_config.steps[0].model_query_config.model_key: unknown model key "GEMINI_FLAHS"'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('task_config.next_task: next_task "nowhere" names no task'))).toBe(true);
    await screenshot(page, "submit-invalid");

    const jobId = uniqueId("e2e-job");
    const good = `// a job, as JSONC\n{ "job_id": "${jobId}", "task_config": ${JSON.stringify({ ...TEMPLATE, input_config: { payload: { city: "Tromsø", lang: "no", target: "E2eGreetings" } } })}, }`;
    await area.fill(good);
    await page.locator("#config-kind").getByText("A job config: no problems found.").waitFor();
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(new RegExp(`#/job/${jobId}$`));
    await page.locator("h1 .badge", { hasText: "success" }).waitFor({ timeout: 60_000 });
    await page.locator('details.step[data-step="greet"] summary').click();
    await expect(page.locator('details.step[data-step="greet"] [data-text="user-prompt"] pre').textContent()).resolves.toBe(
      "Write a one-line greeting to Tromsø.",
    );
    await screenshot(page, "submitted-job");
  });

  it("reads on a narrow screen: nothing wider than the viewport but the scrollable table", async () => {
    await page.setViewportSize({ width: 380, height: 780 });
    for (const [hash, name] of [
      [`#/batch/${encodeURIComponent(batchId)}`, "narrow-batch-rows"],
      ["#/batches", "narrow-batches"],
    ] as const) {
      await page.goto(`${url}${hash}`);
      await page.locator(".batch-progress").first().waitFor();
      const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, name);
    }
  });
});

describe("the CSV download is safe to open in a spreadsheet (issue 18)", () => {
  it("puts a ' before a cell a spreadsheet would run as a formula, as `npm run export` does; the exact-values toggle writes every value as stored, as `--raw` does", async () => {
    const id = uniqueId("e2e-formulas");
    const values = ['=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "-1.5", "plain"];
    await writeEndedBatch(db, id, values, { ownerUid });
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.goto(`${url}#/batch/${encodeURIComponent(id)}`);
    await page.locator("#row-count").getByText(`Showing ${values.length} of ${values.length} rows`).waitFor();
    const cells = (csv: string) =>
      parseCsv(csv)
        .slice(1)
        .map((r) => r.fields[3]);
    const cli = (...flags: string[]) =>
      spawnSync("npm", ["run", "--silent", "export", "--", id, "--format", "csv", ...flags], { encoding: "utf8" });

    const safe = await downloadCsv(id);
    expect(cells(safe)).toEqual(['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1:A9)", "-1.5", "plain"]);
    expect(safe).toBe(cli().stdout);
    await page.getByRole("checkbox", { name: /Exact CSV values/ }).check();
    const exact = await downloadCsv(id);
    expect(cells(exact)).toEqual(values);
    expect(exact).toBe(cli("--raw").stdout);
  });
});

/** Runs only in `npm test`'s second e2e session, whose functions enforce App Check (scripts/test.mjs). */
describe.runIf(process.env.ENFORCE_APP_CHECK === "true")("with App Check enforced (ENFORCE_APP_CHECK=true)", () => {
  it("with App Check enforced: the page's submit form works, its call carrying a token, and the same call without one is refused", async () => {
    const tokens: Promise<string | null>[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/submitJob")) tokens.push(request.headerValue("x-firebase-appcheck"));
    });
    await page.goto(url);
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("link", { name: "Submit", exact: true }).click();
    const jobId = uniqueId("e2e-appcheck");
    const job = {
      job_id: jobId,
      task_config: { ...TEMPLATE, input_config: { payload: { city: "Oslo", lang: "no", target: "E2eGreetings" } } },
    };
    await page.getByLabel(/^Config/).fill(JSON.stringify(job, null, 2));
    await page.locator("#config-kind").getByText("A job config: no problems found.").waitFor();
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(new RegExp(`#/job/${jobId}$`));
    expect((await db.doc(`jobs/${jobId}`).get()).get("owner_uid")).toBe(ownerUid);
    const [pageToken] = await Promise.all(tokens);
    expect(pageToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]*$/);

    // The page's call, without its App Check token: refused before the body runs, for submitJob and submitBatch alike.
    const idToken = await idTokenFor(email, PASSWORD);
    const refusedJob = uniqueId("e2e-appcheck-none");
    const withoutToken = await callCallable("submitJob", { job: { ...job, job_id: refusedJob } }, { idToken });
    expect(withoutToken).toMatchObject({ status: 401, body: { error: { status: "UNAUTHENTICATED" } } });
    const batch = { batch_id: uniqueId("e2e-appcheck-none"), job: { task_config: TEMPLATE }, rows: ROWS.slice(0, 1) };
    expect(await callCallable("submitBatch", { batch }, { idToken })).toMatchObject({ status: 401 });
    expect((await db.doc(`jobs/${refusedJob}`).get()).exists).toBe(false);
    expect((await db.doc(`batches/${batch.batch_id}`).get()).exists).toBe(false);
    // The token is all that was missing: the same call with it is accepted.
    const withToken = await callCallable("submitJob", { job: { ...job, job_id: refusedJob } }, { idToken, appCheckToken: pageToken! });
    expect(withToken).toMatchObject({ status: 200, body: { result: { job_id: refusedJob } } });
  });
});

async function downloadCsv(id = batchId): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toBe(`${id}.csv`);
  const path = join(SCREENSHOT_DIR, download.suggestedFilename());
  await download.saveAs(path);
  return readFileSync(path, "utf8");
}

describe("the job view's logged rows (promise 16)", () => {
  it("shows the rows the job's firestore_log steps wrote, read with the signed-in owner's own permissions", async () => {
    await page.goto(`${url}#/job/${encodeURIComponent(jobIds[0]!)}`);
    const row = page.locator('.logged-rows .logged-row[data-row^="E2eGreetings/"]');
    await row.locator("pre").waitFor();
    expect(JSON.parse((await row.locator("pre").textContent())!)).toMatchObject({ city: "Oslo", owner_uid: ownerUid });
    expect(await row.locator("h3").textContent()).toBe(`E2eGreetings/${jobIds[0]}~run1~1~greet-log`);

    // A run record naming a row of another user's: the rules refuse the read, and the page says so.
    const jobId = uniqueId("e2e-rows");
    const taskDocId = `${jobId}~run1~1~t`;
    const foreign = uniqueId("foreign-row");
    await db.doc(`E2eGreetings/${foreign}`).set({ city: "Elsewhere", owner_uid: "someone-else", execution_id: "x" });
    const step = {
      step_id: "log",
      step_type: "function_call",
      status: "success",
      logged_row: { collection: "E2eGreetings", document_id: foreign },
    };
    await db.doc(`outputs/${taskDocId}`).set({ owner_uid: ownerUid, status: "success", job_id: jobId, steps: [step], output_payload: {} });
    await db.doc(`tasks/${taskDocId}`).set({ owner_uid: ownerUid, job_id: jobId, run_id: "run1", hop: 1, task_id: "t", status: "success" });
    await db
      .doc(`jobs/${jobId}`)
      .set({ job_id: jobId, owner_uid: ownerUid, status: "success", run_id: "run1", runs: 1, task_config: { task_id: "t" } });
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    await expect(page.locator(`.logged-row[data-row="E2eGreetings/${foreign}"] [role=alert]`).textContent()).resolves.toMatch(
      // Firestore says "Missing or insufficient permissions"; the emulator lists the rules that said no.
      /^Could not read E2eGreetings\/foreign-row-\S+: .*(insufficient permissions|false for 'get')/is,
    );
  });
});

describe("cost and cached answers on the job view (issue 19)", () => {
  it("shows the job's cost and cached steps, and marks a step answered from the response store", async () => {
    // The documents as the finish writes them for a run whose first step's answer was stored and second was paid.
    const jobId = uniqueId("e2e-cached");
    const taskDocId = `${jobId}~run1~1~t`;
    const usage = (total: number) => ({ prompt_tokens: total, output_tokens: 0, total_tokens: total });
    const step = (step_id: string, extra: Record<string, unknown>) => ({
      step_id,
      name: step_id,
      step_type: "model_query",
      model: "gemini-2.5-flash",
      response: "hello",
      status: "success",
      latency_ms: 4,
      warnings: [],
      ...extra,
    });
    const steps = [
      step("remembered", { cached: true, attempts: 0, usage: usage(0) }),
      step("asked", { attempts: 1, usage: usage(12), cost: { usd: 0.0000036, unpriced_tokens: 0 } }),
    ];
    await db.doc(`outputs/${taskDocId}`).set({ owner_uid: ownerUid, status: "success", job_id: jobId, steps, output_payload: {} });
    const ended = { usage: usage(12), cost: { usd: 0.0000036, unpriced_tokens: 0 }, cached_steps: 1 };
    await db
      .doc(`tasks/${taskDocId}`)
      .set({ owner_uid: ownerUid, job_id: jobId, run_id: "run1", hop: 1, task_id: "t", status: "success", ...ended });
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      owner_uid: ownerUid,
      status: "success",
      run_id: "run1",
      runs: 1,
      tasks_done: 1,
      task_config: { task_id: "t" },
      ...ended,
    });
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    await expect(page.locator(".job-summary [data-figure=cost]").textContent()).resolves.toBe("$0.00000360");
    await expect(page.locator(".job-summary [data-figure=cached-steps]").textContent()).resolves.toBe("1");
    const remembered = page.locator('details.step[data-step="remembered"] summary');
    await expect(remembered.locator(".badge.cached").textContent()).resolves.toBe("cached");
    await expect(remembered.locator(".step-meta").textContent()).resolves.toMatch(/from the response store · .* · 0 tokens · \$0$/);
    const asked = page.locator('details.step[data-step="asked"] summary');
    await expect(asked.locator(".badge.cached").count()).resolves.toBe(0);
    await expect(asked.locator(".step-meta").textContent()).resolves.toMatch(/12 tokens · \$0\.00000360$/);
  });
});

describe("provider batch mode on the job view (issue 19)", () => {
  it("shows a task of a job submitted in provider batch mode waiting for a vendor batch, since when", async () => {
    // The real path: submitJob, startJob, then runTask parks the entry task on its model call (no answer is stored).
    const jobId = uniqueId("e2e-waiting");
    const job = { job_id: jobId, execution: "provider_batch", task_config: oneStepTask("parked", `Greet ${jobId}.`) };
    const submitted = await callCallable("submitJob", { job }, { idToken: await idTokenFor(email, PASSWORD) });
    expect(submitted).toMatchObject({ status: 200, body: { result: { job_id: jobId } } });
    const parkedTask = async () =>
      (await db.collection("tasks").where("job_id", "==", jobId).where("status", "==", "waiting").get()).docs[0];
    for (let i = 0; i < 120 && !(await parkedTask()); i++) await new Promise((resolve) => setTimeout(resolve, 250));
    const parkedId = (await parkedTask())?.id;
    expect(parkedId, "the entry task parked").toBeDefined();
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    const row = page.locator(`tr[data-task="${parkedId}"]`);
    await expect(row.locator(".badge").textContent()).resolves.toBe("waiting");
    await expect(row.locator(".waiting-note").textContent()).resolves.toMatch(
      // The page's clock (the browser's locale: "01:23" or "01:23 AM"), then how long: "950 ms", "2.4 s".
      /^ for a vendor batch, since \d\d:\d\d( [AP]M)? \(\d+(\.\d)? m?s\)$/,
    );
    await expect(page.locator(`section[data-task="${parkedId}"] .hint`).textContent()).resolves.toMatch(
      /^The task is waiting for a vendor batch, since .*: provider batch mode sends its model call through the vendor's batch API/,
    );
    await screenshot(page, "job-waiting-for-a-vendor-batch");
  });

  it("shows what a run paid through a vendor batch would have cost synchronously, on the job, the task and the step", async () => {
    // The documents as the finish writes them for a task whose step was paid through a vendor batch.
    const jobId = uniqueId("e2e-batch-cost");
    const taskDocId = `${jobId}~run1~1~paid`;
    const usage = { prompt_tokens: 1000, output_tokens: 1000, total_tokens: 2000 };
    const cost = { usd: 0.0014, unpriced_tokens: 0, standard_usd: 0.0028 };
    const step = { step_id: "ask", name: "ask", step_type: "model_query", model: "gemini-2.5-flash", response: "hi" };
    const steps = [{ ...step, status: "success", latency_ms: 4, attempts: 1, warnings: [], usage, cost, billing: "batch" }];
    await db.doc(`outputs/${taskDocId}`).set({ owner_uid: ownerUid, status: "success", job_id: jobId, steps, output_payload: {} });
    const ended = { status: "success", usage, cost };
    await db.doc(`tasks/${taskDocId}`).set({ owner_uid: ownerUid, job_id: jobId, run_id: "run1", hop: 1, task_id: "paid", ...ended });
    const jobDoc = { job_id: jobId, owner_uid: ownerUid, run_id: "run1", runs: 1, tasks_done: 1, task_config: { task_id: "paid" } };
    await db.doc(`jobs/${jobId}`).set({ ...jobDoc, ...ended });
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    await expect(page.locator(".job-summary [data-figure=cost]").textContent()).resolves.toBe("$0.00140");
    await expect(page.locator(".job-summary [data-figure=standard-cost]").textContent()).resolves.toBe("$0.00280");
    await expect(page.locator(`tr[data-task="${taskDocId}"] td`).last().textContent()).resolves.toBe("$0.00140 (synchronously $0.00280)");
    const meta = page.locator('details.step[data-step="ask"] summary .step-meta');
    await expect(meta.textContent()).resolves.toMatch(/2,000 tokens · \$0\.00140 \(synchronously \$0\.00280\) · vendor batch$/);
  });
});

describe("cancelling one's own work from the page", () => {
  const accept = () => page.once("dialog", (dialog) => void dialog.accept());

  it("cancels a running job with its Cancel button, through the owner-checked cancelJob callable", async () => {
    // Model calls still under way when Cancel is clicked, however long the callable's first worker takes to start.
    await configureStandin({ latencyMs: 20_000 });
    const jobId = uniqueId("e2e-cancel-job");
    const task = { ...TEMPLATE, input_config: { payload: { city: "Bodø", lang: "no", target: "E2eGreetings" } } };
    await db.doc(`jobs/${jobId}`).set({ job_id: jobId, status: "queued", owner_uid: ownerUid, task_config: task });
    await page.goto(`${url}#/job/${encodeURIComponent(jobId)}`);
    await page.locator("h1 .badge", { hasText: "running" }).waitFor();
    accept();
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.locator(".cancel-result").getByText("The job is cancelled.").waitFor();
    await page.locator("h1 .badge", { hasText: "cancelled" }).waitFor();
    expect((await db.doc(`jobs/${jobId}`).get()).get("error")).toMatchObject({ code: "cancelled", message: "cancelled by its owner" });
  });

  it("cancels a running batch with its Cancel button, through cancelBatch; its rows not yet run never run", async () => {
    const id = uniqueId("e2e-cancel-batch");
    await page.getByRole("link", { name: "Submit", exact: true }).click();
    await page.getByLabel(/^Config/).fill(JSON.stringify({ batch_id: id, job: { task_config: TEMPLATE }, rows: ROWS.slice(0, 3) }));
    await page.locator("#config-kind").getByText("A batch config: no problems found.").waitFor();
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(new RegExp(`#/batch/${id}$`));
    accept();
    await page.getByRole("button", { name: "Cancel batch" }).click();
    await page.locator(".cancel-result").getByText("The batch is cancelled.").waitFor();
    await page.locator("h1 .badge", { hasText: "cancelled" }).waitFor();
    await resetStandin();
    const jobs = (await db.collection("jobs").where("batch_id", "==", id).get()).docs.map((d) => d.get("status") as string);
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs).toEqual(jobs.map(() => "cancelled"));
  });
});
