// Run Lighthouse (phone profile, its default simulated throttling) on several URLs with one Chromium.
// Usage: node lighthouse_run.mjs NODE_PREFIX URL...   (CHROME_PATH names the browser)
// Prints one JSON object: {url: {performance, accessibility, failing: [audit ids]}}.
import { pathToFileURL } from "node:url";
import path from "node:path";

const [prefix, ...urls] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(path.join(prefix, "node_modules", rel)).href);
const { default: lighthouse } = await load("lighthouse/core/index.js");
const chromeLauncher = await load("chrome-launcher/dist/index.js");

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const out = {};
try {
  for (const url of urls) {
    // One run after another: parallel runs on a shared machine would spoil the timings.
    const result = await lighthouse(url, {
      port: chrome.port, output: "json", logLevel: "error",
      onlyCategories: ["performance", "accessibility"], formFactor: "mobile",
    });
    const lhr = result.lhr;
    const failing = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && ["binary", "numeric"].includes(a.scoreDisplayMode))
      .map((a) => `${a.id}: ${a.displayValue ?? a.score}`);
    out[url] = {
      performance: lhr.categories.performance.score,
      accessibility: lhr.categories.accessibility.score,
      failing,
      error: lhr.runtimeError ? lhr.runtimeError.message : null,
    };
  }
} finally {
  await chrome.kill();
}
process.stdout.write(JSON.stringify(out));
