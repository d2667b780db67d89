// How ECharts measures text on the long-running pages.
//
// Chromium keeps data for every distinct string a canvas context's measureText has measured, for the life of the
// page (a page measuring 600 new number strings a second grew Blink's heap by some 4 MiB a minute; drawing them
// did not). ECharts measures each label it lays out, and a wall's labels are figures that change all day: its Blink
// heap grew by some 40 MiB an hour. Measured here character by character instead, the strings Chromium sees are
// the few hundred characters a wall uses; a label's width is the sum of its characters' widths, which differs from
// the whole string's only by kerning, a pixel at most at these sizes.

const widths = new Map(); // font → Map(character → width)
let context = null;

function characterWidth(font, character) {
  let byCharacter = widths.get(font);
  if (!byCharacter) {
    byCharacter = new Map();
    widths.set(font, byCharacter);
  }

  let width = byCharacter.get(character);
  if (width === undefined) {
    context ??= document.createElement('canvas').getContext('2d');
    context.font = font;
    width = context.measureText(character).width;
    byCharacter.set(character, width);
  }

  return width;
}

/** The width of text in font, as the sum of its characters' (code points'). */
export function measureText(text, font) {
  let width = 0;
  for (const character of String(text ?? '')) width += characterWidth(font || '12px sans-serif', character);
  return { width };
}

/** Makes ECharts measure with measureText above; call before the first chart is made. */
export function measureChartTextByCharacter(echarts) {
  echarts?.setPlatformAPI?.({ measureText });
}
