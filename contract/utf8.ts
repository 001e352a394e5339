// How many bytes a string takes in UTF-8, counted without encoding it: the insert packer sizes queue
// messages with it and the importer sizes request bodies, both against byte limits.

/** Bytes of `text` in UTF-8. */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair: one character outside the BMP
      i++;
    } else n += 3; // the rest of the BMP; a lone surrogate becomes U+FFFD, 3 bytes too
  }
  return n;
}
