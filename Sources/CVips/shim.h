// Fixed-argument wrappers over libvips' variadic calls, which Swift cannot import.
#include <vips/vips.h>

/// A refused photo is answered with our own error; libvips' warnings about it would only fill the logs.
static inline GLogWriterOutput darkroom_vips_log_writer(GLogLevelFlags level, const GLogField *fields, gsize count, gpointer data) {
    for (gsize i = 0; i < count; i++) {
        if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0 && g_strcmp0(fields[i].value, "VIPS") == 0
            && !(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
            return G_LOG_WRITER_HANDLED;
    }
    return g_log_writer_default(level, fields, count, data);
}

/// Starts libvips once for the process: no operation cache (each upload is different, and a cache would hold their
/// pixels), one worker thread per operation (uploads run in parallel instead), and only the loaders of the formats
/// people post: JPEG, PNG, WebP, HEIF (HEIC and AVIF, through libheif), TIFF and GIF.
static inline int darkroom_vips_start(void) {
    if (VIPS_INIT("darkroom")) return -1;
    g_log_set_writer_func(darkroom_vips_log_writer, NULL, NULL);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
    vips_operation_block_set("VipsForeignLoadPng", FALSE);
    vips_operation_block_set("VipsForeignLoadWebp", FALSE);
    vips_operation_block_set("VipsForeignLoadHeif", FALSE);
    vips_operation_block_set("VipsForeignLoadTiff", FALSE);
    vips_operation_block_set("VipsForeignLoadNsgif", FALSE);
    return 0;
}

/// Opens an encoded image lazily (only its header is read now); pixels are decoded when first needed, refusing
/// truncated or corrupt data instead of padding it with grey. A JPEG can be decoded at 1/2, 1/4 or 1/8 scale.
static inline int darkroom_vips_open(const void *data, size_t length, int jpeg_shrink, VipsImage **out) {
    if (jpeg_shrink > 1)
        *out = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
                                          "shrink", jpeg_shrink, NULL);
    else
        *out = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    return *out ? 0 : -1;
}

/// Decodes at no more than `width` pixels across (shrinking on load where the format can: JPEG's DCT scaling, HEIF's
/// and WebP's own), turned upright by EXIF orientation. With `to_srgb`, an embedded profile (Display P3, Adobe RGB) or
/// a CMYK image's profile is applied and the pixels converted to sRGB; 16-bit input comes out 8-bit.
static inline int darkroom_vips_thumbnail(const void *data, size_t length, int width, int to_srgb, VipsImage **out) {
    if (to_srgb)
        return vips_thumbnail_buffer((void *) data, length, out, width, "height", 10000000, "size", VIPS_SIZE_DOWN,
                                     "option_string", "fail_on=error", "export_profile", "srgb", NULL);
    return vips_thumbnail_buffer((void *) data, length, out, width, "height", 10000000, "size", VIPS_SIZE_DOWN,
                                 "option_string", "fail_on=error", NULL);
}

/// Converted to sRGB from the profile it carries.
static inline int darkroom_vips_from_embedded_profile(VipsImage *in, VipsImage **out) {
    return vips_icc_transform(in, out, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_RELATIVE, NULL);
}

/// A JPEG decoded at 1/`shrink` of its size by its own DCT scaling — vips_thumbnail would decode at full size and
/// resize whenever the factor is under 4, keeping "a factor of two for the final resize", which costs a 12-megapixel
/// photo twice the time — then turned upright and, with `to_srgb`, converted from its embedded profile.
static inline int darkroom_vips_jpeg_frame(const void *data, size_t length, int shrink, int to_srgb, VipsImage **out) {
    VipsImage *loaded = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                   VIPS_FAIL_ON_ERROR, "shrink", shrink, NULL);
    if (!loaded) return -1;
    VipsImage *current = loaded;
    if (vips_image_get_orientation(current) > 1) {
        /* Turning needs the whole image: computed into memory first, at its shrunk size. */
        VipsImage *whole = vips_image_copy_memory(current);
        g_object_unref(current);
        if (!whole) return -1;
        VipsImage *upright = NULL;
        int failed = vips_autorot(whole, &upright, NULL);
        g_object_unref(whole);
        if (failed) return -1;
        current = upright;
    }
    if (to_srgb) {
        VipsImage *converted = NULL;
        int failed = darkroom_vips_from_embedded_profile(current, &converted);
        g_object_unref(current);
        if (failed) return -1;
        current = converted;
    }
    *out = current;
    return 0;
}

/// Turned clockwise by `quarter_turns` quarter turns.
static inline int darkroom_vips_rotate(VipsImage *in, VipsImage **out, int quarter_turns) {
    static const VipsAngle angles[] = { VIPS_ANGLE_D0, VIPS_ANGLE_D90, VIPS_ANGLE_D180, VIPS_ANGLE_D270 };
    return vips_rot(in, out, angles[quarter_turns & 3], NULL);
}

/// Mirrored left to right, or top to bottom.
static inline int darkroom_vips_flip(VipsImage *in, VipsImage **out, int left_right) {
    return vips_flip(in, out, left_right ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL, NULL);
}

static inline int darkroom_vips_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width, int height) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}

/// Drops every metadata field (EXIF with any GPS position, XMP, IPTC, ICC profiles, comments) from an image this
/// process owns: what it is encoded into then carries none, whatever each saver's own `strip` does (8.14's WebP saver
/// kept EXIF).
static inline void darkroom_vips_drop_metadata(VipsImage *image) {
    gchar **fields = vips_image_get_fields(image);
    for (gchar **field = fields; field && *field; field++) vips_image_remove(image, *field);
    g_strfreev(fields);
}

/// Whether an image carries an ICC profile (then it is converted to sRGB on decode).
static inline int darkroom_vips_has_profile(VipsImage *image) {
    return vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0 || vips_image_get_interpretation(image) == VIPS_INTERPRETATION_CMYK;
}

/// A metadata field as text (EXIF fields read as libexif formats them), or NULL when the image has none.
static inline const char *darkroom_vips_string_field(VipsImage *image, const char *name) {
    const char *value = NULL;
    if (vips_image_get_typeof(image, name) == 0 || vips_image_get_string(image, name, &value)) {
        vips_error_clear();
        return NULL;
    }
    return value;
}

static inline int darkroom_vips_resize(VipsImage *in, VipsImage **out, double scale) {
    return vips_resize(in, out, scale, NULL);
}


static inline int darkroom_vips_cast_uchar(VipsImage *in, VipsImage **out) {
    return vips_cast(in, out, VIPS_FORMAT_UCHAR, NULL);
}

static inline int darkroom_vips_extract_bands(VipsImage *in, VipsImage **out, int first, int count) {
    return vips_extract_band(in, out, first, "n", count, NULL);
}

/// Alpha composited over white: renditions are JPEG, which has none.
static inline int darkroom_vips_flatten_white(VipsImage *in, VipsImage **out) {
    double background[3] = { 255, 255, 255 };
    VipsArrayDouble *array = vips_array_double_new(background, 3);
    int result = vips_flatten(in, out, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return result;
}

static inline int darkroom_vips_colourspace_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/// Baseline JPEG without any metadata (EXIF, GPS, XMP, IPTC, ICC).
static inline int darkroom_vips_jpeg(VipsImage *in, int quality, int optimize_coding, void **buffer, size_t *length) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "optimize_coding", optimize_coding, NULL);
}

/// Lossy WebP without any metadata. Effort 0 of 6: on photos its files were no larger than effort 2's and it took
/// two thirds of the time, a third of the default 4's (measured on a 2000×1500 photo).
static inline int darkroom_vips_webp(VipsImage *in, int quality, void **buffer, size_t *length) {
    return vips_webpsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "effort", 0, NULL);
}

/// AVIF (AV1 in HEIF) without metadata, or HEIC when `hevc`: for measuring what AVIF renditions would cost, and for
/// making test photos in the formats phones send.
static inline int darkroom_vips_heif(VipsImage *in, int quality, int hevc, int effort, int strip, void **buffer, size_t *length) {
    return vips_heifsave_buffer(in, buffer, length, "Q", quality, "strip", strip, "effort", effort,
                                "compression", hevc ? VIPS_FOREIGN_HEIF_COMPRESSION_HEVC : VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL);
}

static inline int darkroom_vips_text(VipsImage **out, const char *text, int height_dpi) {
    return vips_text(out, text, "font", "sans bold", "dpi", height_dpi, NULL);
}

static inline int darkroom_vips_embed(VipsImage *in, VipsImage **out, int x, int y, int width, int height, double grey) {
    double background[1] = { grey };
    VipsArrayDouble *array = vips_array_double_new(background, 1);
    int result = vips_embed(in, out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return result;
}

static inline int darkroom_vips_arrayjoin(VipsImage **in, int count, int across, int shim, VipsImage **out) {
    double background[1] = { 255 };
    VipsArrayDouble *array = vips_array_double_new(background, 1);
    int result = vips_arrayjoin(in, out, count, "across", across, "shim", shim, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return result;
}

static inline int darkroom_vips_join_vertical(VipsImage *top, VipsImage *bottom, VipsImage **out) {
    double background[1] = { 255 };
    VipsArrayDouble *array = vips_array_double_new(background, 1);
    int result = vips_join(top, bottom, out, VIPS_DIRECTION_VERTICAL, "expand", TRUE, "background", array,
                           "align", VIPS_ALIGN_CENTRE, NULL);
    vips_area_unref(VIPS_AREA(array));
    return result;
}

static inline int darkroom_vips_invert_to_rgb(VipsImage *in, VipsImage **out) {
    VipsImage *inverted = NULL;
    if (vips_invert(in, &inverted, NULL)) return -1;
    VipsImage *bands[3] = { inverted, inverted, inverted };
    int result = vips_bandjoin(bands, out, 3, NULL);
    g_object_unref(inverted);
    return result;
}

static inline void darkroom_vips_unref(VipsImage *image) { if (image) g_object_unref(image); }

/// The pending libvips error text, cleared.
static inline const char *darkroom_vips_error(void) { return vips_error_buffer(); }
static inline void darkroom_vips_error_clear(void) { vips_error_clear(); }

/// Turns off the per-thread operation cache libvips keeps on worker threads when a thread exits.
static inline void darkroom_vips_thread_done(void) { vips_thread_shutdown(); }

// For making test photos in the formats and colour spaces cameras and phones send (DarkroomPhotoKit).

/// PNG, TIFF or GIF without metadata; PNG at 16 bits per sample when the image is 16-bit.
static inline int darkroom_vips_save(VipsImage *in, const char *suffix, void **buffer, size_t *length) {
    return vips_image_write_to_buffer(in, suffix, buffer, length, NULL);
}

/// Converts to `profile` ("p3", "cmyk", or a file), from sRGB, embedding it: a photo as a phone or a press would
/// have it.
static inline int darkroom_vips_icc_to(VipsImage *in, VipsImage **out, const char *profile) {
    return vips_icc_transform(in, out, profile, "input_profile", "srgb", "embedded", FALSE, NULL);
}

/// JPEG keeping its metadata (EXIF and an ICC profile): an original as a camera writes it.
static inline int darkroom_vips_jpeg_with_metadata(VipsImage *in, int quality, void **buffer, size_t *length) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, NULL);
}

static inline void darkroom_vips_set_string(VipsImage *image, const char *name, const char *value) {
    vips_image_set_string(image, name, value);
}

static inline void darkroom_vips_set_int(VipsImage *image, const char *name, int value) { vips_image_set_int(image, name, value); }

/// 8-bit RGB as 16-bit RGB (each value times 257).
static inline int darkroom_vips_to_rgb16(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_RGB16, NULL);
}

/// The pixels of an 8-bit image, computed into memory first if they are not there yet (band-interleaved rows).
static inline const unsigned char *darkroom_vips_pixels_in_memory(VipsImage *in) {
    return (const unsigned char *) vips_image_get_data(in);
}

/// A blank 8-bit sRGB image in memory, for a pass that writes its pixels straight in (`VImage.mappingPixels`).
static inline VipsImage *darkroom_vips_new_pixels(int width, int height, int bands, unsigned char **pixels) {
    VipsImage *out = vips_image_new_memory();
    vips_image_init_fields(out, width, height, bands, VIPS_FORMAT_UCHAR, VIPS_CODING_NONE, VIPS_INTERPRETATION_sRGB, 1.0, 1.0);
    if (vips_image_write_prepare(out)) {
        g_object_unref(out);
        return NULL;
    }
    *pixels = (unsigned char *) VIPS_IMAGE_ADDR(out, 0, 0);
    return out;
}

static inline int darkroom_vips_copy_memory(VipsImage *in, VipsImage **out) {
    *out = vips_image_copy_memory(in);
    return *out ? 0 : -1;
}

/// Decodes any accepted format in full (for measuring results, not for uploads).
static inline int darkroom_vips_decode(const void *data, size_t length, VipsImage **out) {
    VipsImage *image = vips_image_new_from_buffer(data, length, "", NULL);
    if (!image) return -1;
    *out = vips_image_copy_memory(image);
    g_object_unref(image);
    return *out ? 0 : -1;
}
