import { expect } from 'chai';
import * as cheerio from 'cheerio';
import { axisTicks, barChart, lineChart, niceMax } from '../../src/outcomes/charts.js';

/** The numbers written beside the vertical axis, bottom to top. */
function axisLabels(svg: string): string[] {
  const $ = cheerio.load(svg, { xml: true });
  return $('text[text-anchor="end"]')
    .map((_, t) => $(t).text())
    .get();
}

const TEXT = { id: 'chart', title: 'Results by grade', description: 'A test chart' };

describe('charts', () => {
  it('marks a count axis with whole numbers only, each once', () => {
    for (const [largest, expected] of [
      [0, ['0', '1']],
      [1, ['0', '1']],
      [2, ['0', '1', '2']],
      [4, ['0', '1', '2', '3', '4', '5']],
      [7, ['0', '2', '4', '6', '8', '10']],
      [13, ['0', '5', '10', '15', '20']],
      [380, ['0', '100', '200', '300', '400', '500']],
    ] as const) {
      const labels = axisLabels(barChart(TEXT, [{ label: 'Pass', value: largest }]));
      expect(labels, `largest bar ${largest}`).to.deep.equal(expected);
      expect(new Set(labels).size).to.equal(labels.length);
    }
  });

  it('keeps quarters for a share, and whole numbers for a line of counts', () => {
    const share = lineChart(TEXT, [{ label: '2026-01', value: 0.5 }], { max: 1, format: (n) => `${n * 100}%` });
    expect(axisLabels(share)).to.deep.equal(['0%', '25%', '50%', '75%', '100%']);
    const counts = lineChart(TEXT, [
      { label: '2026-01', value: 1 },
      { label: '2026-02', value: 2 },
    ]);
    expect(axisLabels(counts)).to.deep.equal(['0', '1', '2']);
  });

  it('steps stay whole and reach the top of the axis', () => {
    for (let largest = 1; largest <= 3000; largest += 7) {
      const max = niceMax(largest);
      const ticks = axisTicks(max, true);
      expect(ticks.every(Number.isInteger), String(largest)).to.equal(true);
      expect(ticks.at(-1), String(largest)).to.equal(max);
      expect(ticks.length, String(largest)).to.be.within(2, 6);
    }
  });
});
