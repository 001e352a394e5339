// The console's SVG charts (web/console/chart.ts): axis ticks, bar lengths, line points, escaping.
import { describe, expect, it } from "vitest";
import { CHART_PALETTE, renderChart, ticks } from "../../../web/console/chart";

const attrs = (svg: string, tag: string, name: string): number[] => [...svg.matchAll(new RegExp(`<${tag} [^>]*?${name}="([-0-9.]+)"`, "g"))].map((m) => Number(m[1]));

describe("chart", () => {
  it("picks round ticks that cover the values", () => {
    expect(ticks(0, 9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0, 1234)).toEqual([0, 500, 1000, 1500]);
    expect(ticks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(-3, 3)).toEqual([-4, -2, 0, 2, 4]);
  });

  it("draws bars in the first palette colour, as long as their values", () => {
    const svg = renderChart(
      {
        type: "bar",
        title: "t",
        bars: [
          { label: "a", value: 10 },
          { label: "b", value: 5 },
          { label: "c", value: 0 },
        ],
      },
      600,
    );
    expect(svg).toContain(`width="600"`);
    const widths = attrs(svg, "rect", "width");
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 5);
    expect(widths[2]).toBe(0);
    expect(svg.match(new RegExp(`fill="${CHART_PALETTE[0]}"`, "g"))).toHaveLength(3);
  });

  it("draws a line with one point per value, later series in the next colours", () => {
    const svg = renderChart({
      type: "line",
      title: "t",
      stepMs: 86_400_000,
      series: [
        {
          name: "s1",
          points: [
            { x: 0, y: 1 },
            { x: 86_400_000, y: 3 },
          ],
        },
        { name: "s2", points: [{ x: 0, y: 2 }] },
      ],
    });
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain(`stroke="${CHART_PALETTE[0]}"`);
    expect(svg).toContain(`stroke="${CHART_PALETTE[1]}"`);
    const ys = attrs(svg, "circle", "cy");
    expect(ys[1]).toBeLessThan(ys[0]!); // 3 is drawn above 1
    expect(svg).toContain(">1970-01-01<");
  });

  it("escapes every text it writes", () => {
    const svg = renderChart({ type: "bar", title: `<script>"x"</script>`, bars: [{ label: "<b>&", value: 1 }] });
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain("<b>");
    expect(svg).toContain("&#60;b&#62;&#38;");
  });
});
