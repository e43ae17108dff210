/// <reference lib="dom" />
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGE_BANDS } from "../../model/evaluation/fairness.ts";
import { ARTIFACTS_DIR } from "../../model/publish/write-artifacts.ts";
import { launchChromium } from "../support/chromium.ts";

// The committed report, opened offline in headless Chromium: every chart must have drawn.
let browser: Browser;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ browser, close } = await launchChromium());
});
afterAll(async () => close?.());

describe("model/artifacts/report.html", () => {
  it("renders every chart without any network access", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(join(ARTIFACTS_DIR, "report.html")).href);
    await page.waitForSelector("body[data-rendered]");

    const canvases = await page.$$eval("canvas[data-chart]", (els) => els.map((e) => e.id));
    expect(canvases).toEqual(
      expect.arrayContaining([
        "roc",
        "pr",
        "calibration",
        "distribution",
        "profit",
        "importance",
        "factor-importance",
        "fairness-gender",
        "fairness-age",
        "roc-untouched",
        "calibration-untouched",
      ]),
    );
    const rendered = await page.evaluate(
      () => (window as unknown as { renderedCharts: string[] }).renderedCharts,
    );
    expect(rendered.sort()).toEqual([...canvases].sort());

    // Each chart drew data: its dataset has points, and its canvas holds non-blank pixels.
    for (const id of canvases) {
      const drawn = await page.evaluate((chartId) => {
        const canvas = document.getElementById(chartId) as HTMLCanvasElement;
        const chart = (
          window as unknown as {
            Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } };
          }
        ).Chart.getChart(canvas);
        const points = chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
        const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return { points, painted, width: canvas.width, height: canvas.height };
      }, id);
      expect(drawn.width, id).toBeGreaterThan(0);
      expect(drawn.points, id).toBeGreaterThan(0);
      expect(drawn.painted, id).toBeGreaterThan(1000);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it("shows the honest metrics and the policy", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(ARTIFACTS_DIR, "report.html")).href);
    const text = await page.textContent("body");
    expect(text).toMatch(/CV AUC\s*0\.\d{4} ± 0\.\d{4}/);
    expect(text).toMatch(/approve below\s*0\.\d{4}/);
    expect(text).toContain("AMT_CREDIT of defaulters declined");
    expect(text).toMatch(/Untouched test part \(1000 clients, model trained without them; 95% intervals\)/);
    expect(text).toMatch(/profit cross-fitted \(in-sample\)/);
    for (const section of [
      "Intended use",
      "Target and population",
      "Benchmark",
      "Fair lending",
      "Proxy review",
      "Cost sensitivity",
      "Monitoring triggers",
      "Routing",
    ])
      expect(text).toContain(section);
    await page.close();
  });

  it("lists the age bands in age order, youngest first", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(ARTIFACTS_DIR, "report.html")).href);
    await page.waitForSelector("body[data-rendered]");
    const labels = await page.evaluate(() => {
      const canvas = document.getElementById("fairness-age") as HTMLCanvasElement;
      const chart = (
        window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[] } } } }
      ).Chart.getChart(canvas);
      return chart.data.labels;
    });
    const bands = [...AGE_BANDS] as string[];
    // Labels read "under 30 (n=729)": the band, then its size.
    const groups = labels.map((l) => l.replace(/ \(n=\d+\)$/, ""));
    expect(groups.length).toBeGreaterThan(3);
    expect(groups).toEqual(bands.filter((b) => groups.includes(b)));
    expect(groups[0]).toBe("under 30");
    await page.close();
  });
});
