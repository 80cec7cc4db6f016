// Answer photos are shrunk on the phone before they leave it: a long edge of 1600 px as JPEG
// (the size the server keeps anyway), upright as the camera held it. A phone's 12-48 MP
// original takes seconds on a slow network; this is usually a tenth of it. Any failure sends
// the original, which the server accepts and downscales itself.
(function (global) {
  "use strict";

  const LONG_EDGE = 1600;
  const QUALITY = 0.85;

  // Decoded upright: createImageBitmap applies the EXIF orientation ("from-image"); where it
  // is missing or refuses the file, an <img> does (browsers honour EXIF there by default).
  async function decode(file) {
    if (global.createImageBitmap) {
      try {
        return await createImageBitmap(file, { imageOrientation: "from-image" });
      } catch { /* fall through to <img> */ }
    }
    const url = URL.createObjectURL(file);
    try {
      const image = new Image();
      image.src = url;
      await image.decode();
      return image;
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  function toJpeg(canvas) {
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))),
        "image/jpeg", QUALITY);
    });
  }

  async function compress(file) {
    try {
      const image = await decode(file);
      const width = image.width || image.naturalWidth;
      const height = image.height || image.naturalHeight;
      if (!width || !height) throw new Error("no size");
      const scale = Math.min(1, LONG_EDGE / Math.max(width, height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();
      const blob = await toJpeg(canvas);
      canvas.width = canvas.height = 0;  // frees the pixels at once on phones with little memory
      // A small JPEG already within the edge is sent as it is: re-encoding would only lose.
      if (scale === 1 && file.type === "image/jpeg" && file.size <= blob.size) {
        return { blob: file, compressed: false };
      }
      return { blob, compressed: true, width: Math.round(width * scale), height: Math.round(height * scale) };
    } catch {
      return { blob: file, compressed: false };
    }
  }

  global.WebCompanion = Object.assign(global.WebCompanion || {}, { compress, LONG_EDGE });
})(window);
