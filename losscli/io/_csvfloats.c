/* losscli.io._csvfloats: a strict parser of plain numeric CSV text into float64 columns.
 *
 * It takes only what it can convert exactly as pyarrow does, and says "not handled" (-1) for everything
 * else, so that the caller parses that block with pyarrow instead: each cell of a wanted column must be
 * [-]digits[.digits][(e|E)[+|-]digits] with at most 19 significant digits, whose value w and decimal
 * exponent q are rounded to the nearest double by Clinger's fast path (w ≤ 2^53, |q| ≤ 22: w and 10^|q|
 * are exact doubles, so one multiplication or division rounds once) or else by the Eisel-Lemire algorithm
 * (a normal, finite result it can decide); rows end in
 * \n or \r\n (the last may end the buffer) and hold exactly the expected number of cells; a quote, an
 * empty wanted cell, a space, "nan", "inf" or any other text is left to pyarrow. The GIL is released while
 * parsing, so blocks parse in parallel on the caller's threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)
#define K_EISEL_LEMIRE 1
#include "_pow5.h"

/* w·10^q (w > 0, up to 19 digits) rounded to the nearest double by the Eisel-Lemire algorithm: w·5^q from
 * the 128-bit table (a second 64-bit product only where the first leaves the rounding in doubt), the binary
 * exponent from q·log2(10) ≈ (q·217706) >> 16, ties to even where the product is exact. Returns 0 where it
 * cannot decide (a product too close to halfway, a subnormal, an infinite or a zero result): the block
 * then goes to pyarrow. */
static int eisel_lemire(uint64_t w, int q, double *out) {
    if (q < K_POW5_MIN || q > K_POW5_MAX) return 0;
    int lz = __builtin_clzll(w);
    w <<= lz;
    const uint64_t *t = K_POW5[q - K_POW5_MIN];
    unsigned __int128 first = (unsigned __int128)w * t[0];
    uint64_t hi = (uint64_t)(first >> 64), lo = (uint64_t)first;
    if ((hi & 0x1FFu) == 0x1FFu) {   /* the 55 bits kept may still change: take the next 64 bits too */
        uint64_t second = (uint64_t)(((unsigned __int128)w * t[1]) >> 64);
        lo += second;
        if (second > lo) hi++;
    }
    if (lo == UINT64_MAX && (q < -27 || q > 55)) return 0;
    int upper = (int)(hi >> 63);
    uint64_t m = hi >> (upper + 9);
    int e2 = (((q * (152170 + 65536)) >> 16) + 63) + upper - lz + 1023;
    if (e2 <= 0) return 0;                                   /* subnormal or zero */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3u) == 1u && (m << (upper + 9)) == hi)
        m &= ~UINT64_C(1);                                   /* exactly halfway: to even */
    m += m & 1u;
    m >>= 1;
    if (m >= (UINT64_C(2) << 52)) {
        m = UINT64_C(1) << 52;
        e2++;
    }
    if (e2 >= 0x7FF) return 0;                               /* infinite */
    uint64_t bits = (m & ~(UINT64_C(1) << 52)) | ((uint64_t)e2 << 52);
    memcpy(out, &bits, 8);
    return 1;
}
#endif

static const double P10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* One number from p (before end); on success stores it, returns the position after it; NULL if the text
 * is not one this parser converts. */
static const char *number(const char *p, const char *end, double *out) {
    int neg = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    uint64_t w = 0;
    int nd = 0, frac = 0, any = 0;
    while (p < end && (unsigned)(*p - '0') < 10u) {
        unsigned d = (unsigned)(*p - '0');
        if (w || d) {
            if (++nd > 19) return NULL;
            w = w * 10u + d;
        }
        any = 1;
        p++;
    }
    if (!any) return NULL;
    if (p < end && *p == '.') {
        p++;
        int digits = 0;
        while (p < end && (unsigned)(*p - '0') < 10u) {
            unsigned d = (unsigned)(*p - '0');
            if (w || d) {
                if (++nd > 19) return NULL;
                w = w * 10u + d;
            }
            frac++;
            digits++;
            p++;
        }
        if (!digits) return NULL;
    }
    int q = -frac;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        int e = 0, digits = 0;
        while (p < end && (unsigned)(*p - '0') < 10u) {
            if (++digits > 4) return NULL;
            e = e * 10 + (*p - '0');
            p++;
        }
        if (!digits) return NULL;
        q += eneg ? -e : e;
    }
    double v;
    if (w == 0) {
        v = 0.0;
#if !defined(__FLT_EVAL_METHOD__) || __FLT_EVAL_METHOD__ == 0
    } else if (w <= (UINT64_C(1) << 53) && q >= -22 && q <= 22) {
        /* (not where doubles are evaluated in a wider format, as on x87, which would round twice) */
        v = q >= 0 ? (double)w * P10[q] : (double)w / P10[-q];
#endif
    } else {
#ifdef K_EISEL_LEMIRE
        if (!eisel_lemire(w, q, &v)) return NULL;
#else
        return NULL;
#endif
    }
    *out = neg ? -v : v;
    return p;
}

/* Rows of buf into out (slot-major, cap rows per slot): slots[k] is column k's slot, or -1 to skip it. */
static Py_ssize_t parse_rows(const char *p, const char *end, char delim, const int64_t *slots, Py_ssize_t ncols,
                             double *out, Py_ssize_t cap) {
    Py_ssize_t row = 0;
    if (p >= end) return -1;   /* no text: pyarrow says what it makes of that */
    while (p < end) {
        if (row >= cap) return -1;
        for (Py_ssize_t k = 0; k < ncols; k++) {
            int64_t s = slots[k];
            if (s >= 0) {
                p = number(p, end, out + s * cap + row);
                if (!p) return -1;
            } else {
                while (p < end && *p != delim && *p != '\n' && *p != '\r') {
                    if (*p == '"') return -1;
                    p++;
                }
            }
            if (k + 1 < ncols) {
                if (p >= end || *p != delim) return -1;
                p++;
            } else if (p < end) {
                if (*p == '\r') {
                    if (p + 1 >= end || p[1] != '\n') return -1;
                    p++;
                }
                if (*p != '\n') return -1;
                p++;
            }
        }
        row++;
    }
    return row;
}

static PyObject *py_parse(PyObject *self, PyObject *args) {
    Py_buffer text, slots, out;
    int delim;
    Py_ssize_t cap;
    if (!PyArg_ParseTuple(args, "y*iy*w*n", &text, &delim, &slots, &out, &cap)) return NULL;
    Py_ssize_t ncols = slots.len / 8, rows = -1;
    int ok = cap >= 0 && slots.len % 8 == 0 && delim > 0 && delim < 128 && delim != '"' && delim != '\n' &&
             delim != '\r' && delim != '-' && delim != '+' && delim != '.' && (delim < '0' || delim > '9') &&
             delim != 'e' && delim != 'E' && ncols > 0;
    int64_t most = -1;
    for (Py_ssize_t k = 0; ok && k < ncols; k++) {
        int64_t s = ((const int64_t *)slots.buf)[k];
        if (s > most) most = s;
    }
    /* out holds (most + 1) slots of cap float64 values: checked without overflowing */
    if (ok && most >= 0 && cap <= out.len / 8 / (most + 1)) {
        Py_BEGIN_ALLOW_THREADS
        rows = parse_rows((const char *)text.buf, (const char *)text.buf + text.len, (char)delim,
                          (const int64_t *)slots.buf, ncols, (double *)out.buf, cap);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&text);
    PyBuffer_Release(&slots);
    PyBuffer_Release(&out);
    return PyLong_FromSsize_t(rows);
}

static PyObject *py_count_lines(PyObject *self, PyObject *args) {
    Py_buffer text;
    if (!PyArg_ParseTuple(args, "y*", &text)) return NULL;
    Py_ssize_t n = 0;
    Py_BEGIN_ALLOW_THREADS
    const char *p = (const char *)text.buf, *end = p + text.len;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&text);
    return PyLong_FromSsize_t(n);
}

static PyMethodDef methods[] = {
    {"parse", py_parse, METH_VARARGS,
     "parse(text, delimiter, slots, out, cap) -> rows, or -1 where the text is not one this parser takes.\n"
     "slots: int64 per column (its slot in out, or -1 to skip it); out: a writable float64 buffer of\n"
     "(max slot + 1) * cap values, slot-major."},
    {"count_lines", py_count_lines, METH_VARARGS, "count_lines(text) -> the number of line feeds."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_csvfloats", "Plain numeric CSV text to float64 columns.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__csvfloats(void) { return PyModule_Create(&module); }
