// The bundles' source maps, cut to the project's own code (ADR 0039).
//
// A bundle's map from esbuild maps every token of every npm package it holds back to that package's file: for the
// projection, 1,900 sources and 770,000 segments, of which the project's own TypeScript is 150 sources and 7 % of the
// segments. `node --enable-source-maps` (the image's CMD) parses the whole map into arrays the first time it formats a
// stack trace, and keeps them: 150-270 MiB of resident memory in every service, for frames inside kafkajs or fastify
// that read as well from the bundle itself (it names each package's file in a comment above its code).
//
// `cutToOwnCode` keeps the segments that point into the project's own files and drops the rest. Node looks a frame's
// position up as the last segment at or before it, whatever its line: so where a run of dropped segments begins, a
// segment with no source (one field, the generated column) is left. A frame in an npm package then finds that segment
// and Node prints the bundle's own position; it is never attributed to the project's code that came before it.
import { decode, encode } from '@jridgewell/sourcemap-codec';

/**
 * The map without the segments and embedded sources of files that are not the project's (`isOwn(source)` false).
 * @param {{ sources: string[], sourcesContent?: (string | null)[], mappings: string }} map a source map, version 3
 * @param {(source: string) => boolean} isOwn whether a source (as the map names it) is the project's own file
 * @returns {{ map: object, kept: number, dropped: number }}
 */
export function cutToOwnCode(map, isOwn) {
  const own = map.sources.map((source) => isOwn(source));
  let kept = 0;
  let dropped = 0;
  // Whether the last segment written (on this line or a line before) is a stop: no need for another.
  let stopped = false;
  const lines = decode(map.mappings).map((segments) => {
    const out = [];
    for (const segment of segments) {
      if (segment.length >= 4 && own[segment[1]]) {
        out.push(segment);
        stopped = false;
        kept++;
      } else {
        if (!stopped) out.push([segment[0]]);
        stopped = true;
        dropped++;
      }
    }
    return out;
  });
  return {
    map: {
      ...map,
      mappings: encode(lines),
      ...(map.sourcesContent ? { sourcesContent: map.sourcesContent.map((content, i) => (own[i] ? content : null)) } : {}),
    },
    kept,
    dropped,
  };
}

/** The project's own files, as an esbuild map names them (relative to the bundle): anything not under a node_modules. */
export const projectSource = (source) => !source.split(/[\\/]/).includes('node_modules');
