// Preloaded (`node --import ./bench/peak-rss.mjs ...`) into a process whose peak memory a benchmark or a test measures:
// at exit it writes the process's peak resident set size, in bytes, to the file PEAK_RSS_FILE names.
import { writeFileSync } from "node:fs";

const file = process.env.PEAK_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
