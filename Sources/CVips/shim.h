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
/// pixels), one worker thread per operation (uploads run in parallel instead), and only the JPEG, PNG and WebP loaders.
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

/// Turns upright by EXIF orientation, imports any embedded colour profile, and centre-crops to a `size` square.
static inline int darkroom_vips_square(VipsImage *in, int size, VipsImage **out) {
    return vips_thumbnail_image(in, out, size, "height", size, "crop", VIPS_INTERESTING_CENTRE, "size", VIPS_SIZE_BOTH, NULL);
}

static inline int darkroom_vips_resize(VipsImage *in, VipsImage **out, double scale) {
    return vips_resize(in, out, scale, NULL);
}

static inline int darkroom_vips_maplut(VipsImage *in, VipsImage **out, VipsImage *lut) {
    return vips_maplut(in, out, lut, NULL);
}

static inline int darkroom_vips_recomb(VipsImage *in, VipsImage **out, VipsImage *matrix) {
    return vips_recomb(in, out, matrix, NULL);
}

static inline int darkroom_vips_multiply(VipsImage *left, VipsImage *right, VipsImage **out) {
    return vips_multiply(left, right, out, NULL);
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
static inline int darkroom_vips_jpeg(VipsImage *in, int quality, void **buffer, size_t *length) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
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

/// Decodes any accepted format in full (for measuring results, not for uploads).
static inline int darkroom_vips_decode(const void *data, size_t length, VipsImage **out) {
    VipsImage *image = vips_image_new_from_buffer(data, length, "", NULL);
    if (!image) return -1;
    *out = vips_image_copy_memory(image);
    g_object_unref(image);
    return *out ? 0 : -1;
}
