/** Photos as phones send them, for the tests. */

/** The JPEG with an EXIF block (APP1) carrying a GPS position, as a phone camera writes it, right after SOI. */
export function withGpsExif(jpeg: Buffer): Buffer {
  const payload = Buffer.concat([
    Buffer.from('Exif\0\0', 'latin1'),
    Buffer.from('MM\0*GPSLatitude=22.5213N GPSLongitude=113.0321E', 'latin1'),
  ]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}
