/* The fused kernels, compiled once per instruction-set level.
 *
 * _kernels.c includes this file several times, each time with LEVEL (a name suffix) and TARGET_ATTR (a
 * GCC/Clang target attribute, empty for the baseline) defined, so one build carries an AVX-512, an AVX2+FMA
 * and a baseline copy of every function here and picks one at run time.
 *
 * Everything works on float64 tiles that fit in the first-level cache: predictions, labels and sample
 * weights are converted tile by tile, validated, turned into per-sample losses, and the losses of every
 * whole accumulator block are reduced while that block is still in cache. The loops are written so that
 * the compiler vectorises them: no calls, no branches inside, type punning through memcpy.
 */

#define K_CAT2(a, b) a##_##b
#define K_CAT(a, b) K_CAT2(a, b)
#define F(name) K_CAT(name, LEVEL)
#define FN static TARGET_ATTR
#define IFN static inline __attribute__((always_inline)) TARGET_ATTR

/* a·b + c: one fused multiply-add on levels that have it (the build turns off implicit contraction, so
 * that the loss formulas round as NumPy's separate operations do; the vector math asks for its FMAs) */
#ifdef K_HAS_FMA
#define KF(a, b, c) __builtin_fma((a), (b), (c))
#else
#define KF(a, b, c) ((a) * (b) + (c))
#endif

/* ------------------------------------------------------------------------------------- vector math */

/* e^x for any double x (NaN excepted; the baseline level's, and every level's for the rare overflowing row — the
 * vector levels use exp_parts below): x = n·ln2 + r, |r| ≤ ln2/2, e^r by its Taylor polynomial of
 * degree 13 (truncation error < 2^-57), 2^n applied as two powers of two so that overflow gives +inf and
 * results in the subnormal range are rounded once. */
IFN double F(k_exp)(double x) {
    x = x < -746.0 ? -746.0 : x;
    x = x > 710.0 ? 710.0 : x;
    double kd = KF(x, K_INV_LN2, K_SHIFT);
    kd -= K_SHIFT;                                /* n = round(x / ln2), as a double */
    double r = x - kd * K_LN2_HI;                 /* exact: kd has at most 11 bits, K_LN2_HI 32 */
    r = KF(-kd, K_LN2_LO, r);
    /* q = Σ_{k=2..13} r^{k−2}/k!, by Estrin's scheme (short dependency chains) */
    double r2 = r * r, r4 = r2 * r2;
    double q01 = KF(r, K_E3, 0.5), q23 = KF(r, K_E5, K_E4), q45 = KF(r, K_E7, K_E6);
    double q67 = KF(r, K_E9, K_E8), q89 = KF(r, K_E11, K_E10), qab = KF(r, K_E13, K_E12);
    double q03 = KF(r2, q23, q01), q47 = KF(r2, q67, q45), q8b = KF(r2, qab, q89);
    double q = KF(r4, KF(r4, q8b, q47), q03);
    double p = 1.0 + KF(r2, q, r);
    double k1 = KF(kd, 0.5, K_SHIFT) - K_SHIFT;   /* n = n1 + n2, |n1|, |n2| ≤ 538 */
    double k2 = kd - k1;
    double s1 = k_asdouble((k_asuint(k1 + K_SHIFT) + 1023u) << 52);
    double s2 = k_asdouble((k_asuint(k2 + K_SHIFT) + 1023u) << 52);
    return (p * s1) * s2;
}

/* x ≥ 0 (subnormals included) as 2^k·z, z ∈ [√½, √2): returns z, k as a double in *kd. */
IFN double F(log_reduce)(double x, double *kd) {
    int sub = x < 0x1p-1022;
    double xs = sub ? x * 0x1p54 : x;
    uint64_t ix = k_asuint(xs);
    uint64_t tmp = ix - K_SQRTHALF_BITS;
    double k = k_asdouble((tmp >> 52) | 0x4330000000000000ull) - 0x1p52; /* (k mod 4096) */
    k = k >= 2048.0 ? k - 4096.0 : k;
    *kd = sub ? k - 54.0 : k;
    return k_asdouble(ix - (tmp & 0xfff0000000000000ull));
}

/* R = w·Σ_{i=1..11} 2w^{i−1}/(2i + 1) for w = s² (log z = 2s + s·R), by Estrin's scheme. */
IFN double F(log_series)(double w) {
    double w2 = w * w, w4 = w2 * w2;
    double a01 = KF(w, K_L2, K_L1), a23 = KF(w, K_L4, K_L3), a45 = KF(w, K_L6, K_L5);
    double a67 = KF(w, K_L8, K_L7), a89 = KF(w, K_L10, K_L9);
    double a03 = KF(w2, a23, a01), a47 = KF(w2, a67, a45), a8a = KF(w2, K_L11, a89);
    return w * KF(w4, KF(w4, a8a, a47), a03);
}

/* log x for x ≥ 0 (subnormals included; log 0 = −inf, log inf = inf, NaN for x < 0 or NaN):
 * x = 2^k·z, z ∈ [√½, √2), f = z − 1 (exact), log z = 2·atanh(s) = f − s·(f − R), s = f/(2 + f),
 * R = Σ_{i=1..11} 2·s^{2i}/(2i + 1) (truncation error < 2^-60 relative). */
IFN double F(k_log)(double x) {
    double kd, z = F(log_reduce)(x, &kd);
    double f = z - 1.0;
    double s = f / (2.0 + f);
    double w = s * s;
    double R = F(log_series)(w);
    double lo = KF(-s, f - R, kd * K_LN2_LO);
    double res = KF(kd, K_LN2_HI, lo + f);
    res = x == 0.0 ? -__builtin_inf() : res;
    res = x > 0x1.fffffffffffffp1023 ? x : res;
    res = (x < 0.0 || x != x) ? __builtin_nan("") : res;
    return res;
}

/* log(1 + t) for t ≥ −1: u = fl(1 + t) with its rounding error c (TwoSum, exact), log u + c/u. */
IFN double F(k_log1p)(double t) {
    double u = 1.0 + t;
    double bb = u - 1.0;
    double c = (1.0 - (u - bb)) + (t - bb);
    double cu = c / u;
    cu = (u == 0.0 || u > 0x1.fffffffffffffp1023) ? 0.0 : cu;
    return F(k_log)(u) + cu;
}

/* The rounding error of p = fl(a·b): a·b − p, exactly (FMA, or Dekker's product on the baseline). */
IFN double F(k_mul_err)(double a, double b, double p) {
#ifdef K_HAS_FMA
    return __builtin_fma(a, b, -p);
#else
    const double split = 134217729.0;             /* 2^27 + 1 */
    double ca = split * a, cb = split * b;
    double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/* e^x − 1 for x ≤ 0 (NaN stays NaN), to about half an ulp: x = n·ln2 + r (r's rounding error rlo kept),
 * e^x − 1 = (2^n − 1) + 2^n·r + 2^n·r²/2 + 2^n·(r³·Q(r) + rlo·e^r), Q = Σ_{k=3..14} r^{k−3}/k! (truncation
 * error of r³·Q < 2^-62), e^r ≈ 1 + r + r²/2 for the tiny rlo, r² exact as a sum of two doubles, the first three terms added by TwoSum with their
 * rounding errors carried to the last addition, the only rounding that matters. Below −40 the result is
 * −1 + e^x, which rounds to −1. */
IFN double F(k_expm1_neg)(double x) {
    x = x < -40.0 ? -40.0 : x;
    double kd = KF(x, K_INV_LN2, K_SHIFT);
    kd -= K_SHIFT;
    double rhi = x - kd * K_LN2_HI;               /* exact */
    double r = KF(-kd, K_LN2_LO, rhi);
    double rlo = KF(-kd, K_LN2_LO, rhi - r);      /* (rhi − kd·ln2_lo) − r */
    double r2 = r * r, r2lo = F(k_mul_err)(r, r, r2), r4 = r2 * r2;
    double q01 = KF(r, K_E4, K_E3), q23 = KF(r, K_E6, K_E5), q45 = KF(r, K_E8, K_E7);
    double q67 = KF(r, K_E10, K_E9), q89 = KF(r, K_E12, K_E11), qab = KF(r, K_E14, K_E13);
    double q03 = KF(r2, q23, q01), q47 = KF(r2, q67, q45), q8b = KF(r2, qab, q89);
    double Q = KF(r4, KF(r4, q8b, q47), q03);
    double s = k_asdouble((k_asuint(kd + K_SHIFT) + 1023u) << 52);  /* 2^n, n ∈ [−58, 0] */
    double a = s - 1.0;
    double ae = (-1.0 - a) + s;                   /* exact (Fast2Sum, s ≤ 1) */
    double b = r * s, h = (0.5 * r2) * s;         /* exact */
    double s1 = a + b, t1 = s1 - a;
    double e1 = (a - (s1 - t1)) + (b - t1);       /* TwoSum */
    double s2 = s1 + h, t2 = s2 - s1;
    double e2 = (s1 - (s2 - t2)) + (h - t2);      /* TwoSum */
    double tail = ((ae + e1) + e2) + s * (KF(r * r2, Q, KF(rlo, KF(0.5, r2, r), rlo)) + 0.5 * r2lo);
    return s2 + tail;
}

/* log x as an unevaluated sum hi + lo, for 0 < x < inf (subnormals included), with an absolute error of
 * about 2^-60 (the rounding of s·R ≤ 2^-8 and of its series): x = 2^k·z, z ∈ [√½, √2), f = z − 1, s = f/(2 + f) with its
 * remainder sl (2 + f and s·(2 + f) exact as sums of two doubles), log z = 2s + 2sl + s·R,
 * R = Σ_{i=1..11} 2·s^{2i}/(2i + 1) (the series of k_log), k·ln2 + 2s added by TwoSum. */
IFN void F(k_log_dd)(double x, double *hi, double *lo) {
    double kd, z = F(log_reduce)(x, &kd);
    double f = z - 1.0;                           /* exact */
    double u = 2.0 + f, ue = (2.0 - u) + f;       /* exact (Fast2Sum, |f| < 2) */
    double s = f / u;
    double su = s * u;
    double sl = (((f - su) - F(k_mul_err)(s, u, su)) - s * ue) / u;  /* f/(u + ue) − s, to 2^-104·|s| */
    double w = s * s;
    double R = F(log_series)(w);
    double a = kd * K_LN2_HI, t = 2.0 * s;        /* both exact */
    double h = a + t, tb = h - a;
    double e = (a - (h - tb)) + (t - tb);         /* TwoSum */
    double l = e + (KF(s, R, 2.0 * sl) + kd * K_LN2_LO);
    *hi = h + l;
    *lo = (h - *hi) + l;                          /* Fast2Sum (|h| ≥ |l|) */
}

/* e^(x + xl) for x ≤ 710, |xl| ≤ 2^-40·|x| + 2^-60, to about half an ulp: x = n·ln2 + r (r's rounding
 * error and xl carried in rlo), e^r = 1 + r + r²/2 + r³·Q(r) as in k_expm1_neg, summed with its rounding
 * errors into one double p, then 2^n·p applied as two powers of two (so that a subnormal result is
 * rounded once more, not twice). */
IFN double F(k_exp_dd)(double x, double xl) {
    x = x < -746.0 ? -746.0 : x;
    x = x > 710.0 ? 710.0 : x;
    double kd = KF(x, K_INV_LN2, K_SHIFT);
    kd -= K_SHIFT;
    double rhi = x - kd * K_LN2_HI;               /* exact */
    double r = KF(-kd, K_LN2_LO, rhi);
    double rlo = KF(-kd, K_LN2_LO, rhi - r) + xl;
    double r2 = r * r, r2lo = F(k_mul_err)(r, r, r2), r4 = r2 * r2;
    double q01 = KF(r, K_E4, K_E3), q23 = KF(r, K_E6, K_E5), q45 = KF(r, K_E8, K_E7);
    double q67 = KF(r, K_E10, K_E9), q89 = KF(r, K_E12, K_E11), qab = KF(r, K_E14, K_E13);
    double q03 = KF(r2, q23, q01), q47 = KF(r2, q67, q45), q8b = KF(r2, qab, q89);
    double r3q = (r * r2) * KF(r4, KF(r4, q8b, q47), q03);
    double h = 1.0 + r, e0 = (1.0 - h) + r;       /* Fast2Sum */
    double hh = 0.5 * r2;
    double sm = h + hh, e1 = (h - sm) + hh;       /* Fast2Sum */
    double p = sm + ((e0 + e1) + (0.5 * r2lo + KF(rlo, sm + r3q, r3q)));
    double k1 = KF(kd, 0.5, K_SHIFT) - K_SHIFT;   /* n = n1 + n2, |n1|, |n2| ≤ 538 */
    double k2 = kd - k1;
    double s1 = k_asdouble((k_asuint(k1 + K_SHIFT) + 1023u) << 52);
    double s2 = k_asdouble((k_asuint(k2 + K_SHIFT) + 1023u) << 52);
    return (p * s1) * s2;
}

/* b^g for 0 ≤ b ≤ 1 (a few ulp above 1 too) and 0 < g ≤ 16: e^(g·log b) with log b and g·log b as sums of
 * two doubles; the exponent's error of about g·2^-60 is the result's relative error beyond the last
 * rounding: within 0.55 ulp for g ≤ 4, 0.7 for g ≤ 16 (tests/_native/test_kernels.py, against mpmath);
 * 0^g = 0. */
IFN double F(k_pow01)(double b, double g) {
    double hi, lo;
    F(k_log_dd)(b, &hi, &lo);
    double yh = g * hi;
    double yl = F(k_mul_err)(g, hi, yh) + g * lo;
    double r = F(k_exp_dd)(yh, yl);
    return b == 0.0 ? 0.0 : r;
}

/* The vector math's arithmetic, written once for both vector widths (KV: eight lanes with AVX-512, four
 * with AVX2); each level adds what differs, the application of 2^n and the table lookup. */
#if defined(K_VEC512) || defined(K_AVX2)
#ifdef K_VEC512
#define KV __m512d
#define KV_SET _mm512_set1_pd
#define KV_ADD _mm512_add_pd
#define KV_SUB _mm512_sub_pd
#define KV_MUL _mm512_mul_pd
#define KV_DIV _mm512_div_pd
#define KV_MIN _mm512_min_pd
#define KV_MAX _mm512_max_pd
#define KV_FMA _mm512_fmadd_pd
#define KV_FNMA _mm512_fnmadd_pd
#define KV_FMS _mm512_fmsub_pd
#define KV_WHERE(a, b, pred, yes, no) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), (pred)), (no), (yes))
#else
#define KV __m256d
#define KV_SET _mm256_set1_pd
#define KV_ADD _mm256_add_pd
#define KV_SUB _mm256_sub_pd
#define KV_MUL _mm256_mul_pd
#define KV_DIV _mm256_div_pd
#define KV_MIN _mm256_min_pd
#define KV_MAX _mm256_max_pd
#define KV_FMA _mm256_fmadd_pd
#define KV_FNMA _mm256_fnmadd_pd
#define KV_FMS _mm256_fmsub_pd
#define KV_WHERE(a, b, pred, yes, no) _mm256_blendv_pd((no), (yes), _mm256_cmp_pd((a), (b), (pred)))
#endif

/* e^x as 2^{k/8}·(1 + q): x clamped to [−746, 710] (NaN stays NaN: the second operand), k = round(8x/ln2)
 * taken as k/8 into *k8 by adding 1.5·2^49 (whose eighths are then the last mantissa bits, so the last three
 * bits of *kd are k mod 8, the table index), r = x − (k/8)·ln2 in two steps (|r| ≤ ln2/16), and
 * q = e^r − 1 by the degree-7 polynomial of K_X2..K_X7 (Horner's scheme; error of 1 + q < 2^-58 relative).
 * Each level reads t = 2^{(k mod 8)/8} from K_EXP2_8 and returns (t + t·q)·2^{⌊k/8⌋}. */
IFN KV F(exp_core)(KV x, KV *kd, KV *k8);
IFN KV F(exp_parts)(KV x, KV *kd, KV *k8) {
    return F(exp_core)(KV_MIN(KV_SET(710.0), KV_MAX(KV_SET(-746.0), x)), kd, k8);
}

/* exp_parts of an x already within [−746, 746] (from 710 on, e^x overflows all the same). */
IFN KV F(exp_core)(KV x, KV *kd, KV *k8) {
    KV s = KV_FMA(x, KV_SET(K_INV_LN2), KV_SET(K_SHIFT8));
    KV k = KV_SUB(s, KV_SET(K_SHIFT8));
    KV r = KV_FNMA(k, KV_SET(K_LN2_HI), x);
    r = KV_FNMA(k, KV_SET(K_LN2_LO), r);
    KV q = KV_FMA(r, KV_SET(K_X7), KV_SET(K_X6));
    q = KV_FMA(q, r, KV_SET(K_X5));
    q = KV_FMA(q, r, KV_SET(K_X4));
    q = KV_FMA(q, r, KV_SET(K_X3));
    q = KV_FMA(q, r, KV_SET(K_X2));
    q = KV_FMA(q, r, KV_SET(1.0));
    *kd = s;
    *k8 = k;
    return KV_MUL(q, r);
}

/* log(2^e·z) for z ∈ [0.75, 1.5) given z's table entry (ic = 1/c, −log c = ch + cl): r = z·ic − 1,
 * (e·ln2 + log c) + log1p(r) as hi + lo (hi within an ulp), log1p(r) = r + r²·Σ_{i=0..10} (−1)^{i+1}·r^i/(i + 2)
 * by Estrin's scheme; r into *r. */
IFN void F(log_finish)(KV z, KV e, KV ic, KV ch, KV cl, KV *hi, KV *lo, KV *r) {
    KV rr = KV_FMS(z, ic, KV_SET(1.0));
    KV r2 = KV_MUL(rr, rr), r4 = KV_MUL(r2, r2), r8 = KV_MUL(r4, r4);
    KV a01 = KV_FMA(rr, KV_SET(K_P3), KV_SET(-0.5)), a23 = KV_FMA(rr, KV_SET(K_P5), KV_SET(-0.25));
    KV a45 = KV_FMA(rr, KV_SET(K_P7), KV_SET(K_P6)), a67 = KV_FMA(rr, KV_SET(K_P9), KV_SET(K_P8));
    KV a89 = KV_FMA(rr, KV_SET(K_P11), KV_SET(K_P10));
    KV a03 = KV_FMA(r2, a23, a01), a47 = KV_FMA(r2, a67, a45);
    KV a8a = KV_FMA(r2, KV_SET(K_P12), a89);
    KV poly = KV_FMA(r8, a8a, KV_FMA(r4, a47, a03));
    KV w = KV_FMA(e, KV_SET(K_LN2_HI), ch);                 /* |w| ≥ |r| or w = 0 */
    KV h = KV_ADD(w, rr);
    KV l = KV_ADD(KV_SUB(w, h), rr);                        /* exact (Fast2Sum) */
    l = KV_ADD(l, KV_FMA(e, KV_SET(K_LN2_LO), cl));
    *hi = h;
    *lo = KV_FMA(r2, poly, l);
    *r = rr;
}

/* Each level's own parts: u > 0 split as 2^k·z and its table read (log_parts; log_core from z and k), and
 * 2^n·p for any integral n (scale_any). */
IFN void F(log_parts)(KV u, KV *hi, KV *lo, KV *k, KV *invc, KV *r);
IFN void F(log_core)(KV z, KV e, KV *hi, KV *lo, KV *invc, KV *r);
IFN KV F(scale_any)(KV p, KV n);

/* log u: 0 ↦ −inf, inf ↦ inf, NaN and u < 0 ↦ NaN. */
IFN KV F(log_special)(KV u, KV res) {
    res = KV_WHERE(u, KV_SET(0.0), _CMP_EQ_OQ, KV_SET(-__builtin_inf()), res);
    res = KV_WHERE(u, KV_SET(__builtin_inf()), _CMP_EQ_OQ, u, res);
    return KV_WHERE(u, KV_SET(0.0), _CMP_NGE_UQ, KV_SET(__builtin_nan("")), res);
}

IFN KV F(logv)(KV x) {
    KV hi, lo, k, ic, r;
    F(log_parts)(x, &hi, &lo, &k, &ic, &r);
    return F(log_special)(x, KV_ADD(hi, lo));
}

/* log(1 + t): u = fl(1 + t) with its rounding error c (TwoSum), log u + c/u, where
 * 1/u = 2^−k·(1/c)/(1 + r) ≈ 2^−k·(1/c)·(1 − r) (the dropped r² term is below 2^-63 of the result). */
IFN KV F(log1pv)(KV t) {
    KV u = KV_ADD(KV_SET(1.0), t);
    KV bb = KV_SUB(u, KV_SET(1.0));
    KV c = KV_ADD(KV_SUB(KV_SET(1.0), KV_SUB(u, bb)), KV_SUB(t, bb));
    KV hi, lo, k, ic, r;
    F(log_parts)(u, &hi, &lo, &k, &ic, &r);
    KV cu = F(scale_any)(KV_MUL(KV_MUL(c, ic), KV_SUB(KV_SET(1.0), r)), KV_SUB(KV_SET(0.0), k));
    return F(log_special)(u, KV_ADD(hi, KV_ADD(lo, cu)));
}

/* log(1 + t) for 0 ≤ t ≤ 1 (as e^{−|x|} is), as log1pv with what that range makes needless left out: u = 1 + t
 * ∈ [1, 2] is 2^k·z with k = 1 exactly when u ≥ 1.5, its rounding error c is (1 − u) + t (Fast2Sum), and u is
 * never 0, infinite or NaN; c/u by one division (log1pv's 2^−k·(1/c)·(1 − r) takes four operations on the
 * busy arithmetic pipes, the divider is otherwise idle here). */
IFN KV F(log1p01v)(KV t) {
    KV u = KV_ADD(KV_SET(1.0), t);
    KV c = KV_ADD(KV_SUB(KV_SET(1.0), u), t);
    KV hi, lo, ic, r;
    F(log_core)(KV_WHERE(u, KV_SET(1.5), _CMP_GE_OQ, KV_MUL(u, KV_SET(0.5)), u),
                KV_WHERE(u, KV_SET(1.5), _CMP_GE_OQ, KV_SET(1.0), KV_SET(0.0)), &hi, &lo, &ic, &r);
    return KV_ADD(hi, KV_ADD(lo, KV_DIV(c, u)));
}

/* Binary cross-entropy from a logit x, its label y and t = e^{−|x|}: log1p(t) + (relu(x)·(1 − y) + relu(−x)·y),
 * the operations and bits of log1p01v followed by the kernels' scalar sum (relu(x) = max(x, +0) is
 * x > 0 ? x : 0 for either zero). */
IFN KV F(bce_v)(KV t, KV x, KV y) {
    KV pos = KV_MAX(x, KV_SET(0.0)), neg = KV_SUB(pos, x);
    return KV_ADD(F(log1p01v)(t), KV_ADD(KV_MUL(pos, KV_SUB(KV_SET(1.0), y)), KV_MUL(neg, y)));
}

/* softplus(z) = log1p(t) + relu(z) given t = e^{−|z|}. */
IFN KV F(softplus_v)(KV t, KV z) { return KV_ADD(F(log1p01v)(t), KV_MAX(z, KV_SET(0.0))); }
#endif

#ifdef K_VEC512
/* The same three functions on eight lanes with AVX-512's own tools: VSCALEFPD applies 2^n with one
 * rounding (overflow to inf, subnormal results rounded once), VGETEXPPD/VGETMANTPD split x into 2^k·z with
 * z ∈ [0.75, 1.5), and VPERMT2PD looks up a 16-entry table in registers, so that log needs no division:
 * z = c_j·(1 + r) with c_j = j/20 (j = 15..30), r = z·(20/j) − 1 (|r| ≤ 1/30, one FMA), and
 * log x = k·ln2 − log(20/j) + log1p(r), log1p(r) = r + r²·Σ_{i=0..10} (−1)^{i+1}·r^i/(i + 2) (Taylor,
 * truncation error < 2^-59 relative). The table holds 20/j rounded to a double and −log of that double
 * as a sum of two doubles (tests/_native/test_kernels.py recomputes it with mpmath). */
#define V8(c) _mm512_set1_pd(c)

/* 2^n·p, rounded once (VSCALEFPD). */
IFN __m512d F(scale_any)(__m512d p, __m512d n) { return _mm512_scalef_pd(p, n); }

/* e^x on eight lanes: exp_parts, the table read by VPERMPD (its index: the last three bits of kd), and
 * 2^{⌊k/8⌋} applied by VSCALEFPD (which takes the floor of k/8 itself). */
IFN __m512d F(exp8_finish)(__m512d q, __m512d kd, __m512d k8) {
    __m512d t = _mm512_permutexvar_pd(_mm512_castpd_si512(kd), _mm512_loadu_pd(K_EXP2_8));
    return _mm512_scalef_pd(_mm512_fmadd_pd(t, q, t), k8);
}

IFN __m512d F(exp8)(__m512d x) {
    __m512d kd, k8, q = F(exp_parts)(x, &kd, &k8);
    return F(exp8_finish)(q, kd, k8);
}

/* e^x for a finite x (NaN is not kept): x is clamped to [−746, 746] by one VRANGEPD (|x| at most 746, x's
 * sign kept) where exp8 takes two operations; the same bits as exp8 (and exp4) for every finite x. */
IFN __m512d F(exp8_finite)(__m512d x) {
    __m512d kd, k8, q = F(exp_core)(_mm512_range_pd(x, V8(746.0), 0x02), &kd, &k8);
    return F(exp8_finish)(q, kd, k8);
}

/* The parts of log u for u > 0 (subnormals included): u = 2^k·z, z = c·(1 + r); returns
 * (k·ln2 + log c) + log1p(r) as hi + lo (hi carries it to within an ulp), with k and 1/c for log1p. */
IFN void F(log_parts)(__m512d u, __m512d *hi, __m512d *lo, __m512d *k, __m512d *invc, __m512d *r) {
    __m512d z = _mm512_getmant_pd(u, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512d e = _mm512_getexp_pd(u);
    e = _mm512_mask_add_pd(e, _mm512_cmp_pd_mask(z, V8(1.0), _CMP_LT_OQ), e, V8(1.0));
    *k = e;
    F(log_core)(z, e, hi, lo, invc, r);
}

/* log (2^e·z) for z ∈ [0.75, 1.5) as hi + lo, with 1/c and r (z = c·(1 + r)). */
IFN void F(log_core)(__m512d z, __m512d e, __m512d *hi, __m512d *lo, __m512d *invc, __m512d *r) {
    __m512i j = _mm512_cvtpd_epi64(_mm512_fmsub_pd(z, V8(20.0), V8(15.0)));
    __m512d ic = _mm512_permutex2var_pd(_mm512_loadu_pd(K_INVC), j, _mm512_loadu_pd(K_INVC + 8));
    __m512d ch = _mm512_permutex2var_pd(_mm512_loadu_pd(K_LOGC_HI), j, _mm512_loadu_pd(K_LOGC_HI + 8));
    __m512d cl = _mm512_permutex2var_pd(_mm512_loadu_pd(K_LOGC_LO), j, _mm512_loadu_pd(K_LOGC_LO + 8));
    F(log_finish)(z, e, ic, ch, cl, hi, lo, r);
    *invc = ic;
}

#define K_TAIL(n, i) ((__mmask8)((1u << ((n) - (i))) - 1u))

/* e^{−|x|} on eight lanes. */
IFN __m512d F(exp_neg_abs8)(__m512d x) { return F(exp8)(_mm512_sub_pd(V8(0.0), _mm512_abs_pd(x))); }

/* e_i = e^{−|z_i|} for a tile. */
IFN void F(exp_neg_abs)(const double *restrict z, double *restrict e, int64_t m) {
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) _mm512_storeu_pd(e + i, F(exp_neg_abs8)(_mm512_loadu_pd(z + i)));
    if (i < m) {
        __mmask8 k = K_TAIL(m, i);
        _mm512_mask_storeu_pd(e + i, k, F(exp_neg_abs8)(_mm512_maskz_loadu_pd(k, z + i)));
    }
}

/* lp_i = log1p(e^{−|z_i|}), in two passes over the tile (faster than one: the dependency chain of one
 * pass is too long for the out-of-order window). */
IFN void F(log1p_exp_neg_abs)(const double *restrict z, double *restrict lp, int64_t m) {
    F(exp_neg_abs)(z, lp, m);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) _mm512_storeu_pd(lp + i, F(log1p01v)(_mm512_loadu_pd(lp + i)));
    if (i < m) {
        __mmask8 k = K_TAIL(m, i);
        _mm512_mask_storeu_pd(lp + i, k, F(log1p01v)(_mm512_maskz_loadu_pd(k, lp + i)));
    }
}

/* Binary cross-entropy from logits (and softplus) of a tile given t_i = e^{−|x_i|}, in one pass (bce_v and
 * softplus_v above). */
IFN void F(softplus_finish)(const double *restrict z, const double *restrict t, double *restrict out, int64_t m) {
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) _mm512_storeu_pd(out + i, F(softplus_v)(_mm512_loadu_pd(t + i), _mm512_loadu_pd(z + i)));
    if (i < m) {
        __mmask8 k = K_TAIL(m, i);
        _mm512_mask_storeu_pd(out + i, k, F(softplus_v)(_mm512_maskz_loadu_pd(k, t + i), _mm512_maskz_loadu_pd(k, z + i)));
    }
}

/* Labels of a tile as they are used: eight (or the k of a tail) from float32 or float64 labels, as float64,
 * smoothed as y·a + b when asked (the same operations as the smoothing loop); a label outside [0, 1] or NaN
 * sets its lane in *bad. */
#define K_LABELS8(load, k)                                                                               \
    __m512d yv = load;                                                                                   \
    *bad |= _mm512_mask_cmp_pd_mask(k, yv, V8(0.0), _CMP_NGE_UQ) | _mm512_mask_cmp_pd_mask(k, yv, V8(1.0), _CMP_NLE_UQ); \
    if (smooth) yv = _mm512_add_pd(_mm512_mul_pd(yv, V8(a)), V8(b));

/* Binary cross-entropy from logits of a tile whose logits (x) and t = e^{−|x|} are loaded, reading its
 * float32 or float64 labels as it goes (bce_v on each eight): one pass where loading, checking and smoothing
 * the labels first took three, with the same values. Nonzero when a label is NaN or outside [0, 1]. */
IFN int F(bce_logits_labels)(const void *src, int code, int64_t i0, const double *restrict x,
                             const double *restrict t, double *restrict out, int64_t m, int smooth, double a,
                             double b) {
    __mmask8 acc = 0, *bad = &acc;
    int64_t i = 0;
    if (code == K_F32) {
        const float *s = (const float *)src + i0;
        for (; i + 8 <= m; i += 8) {
            K_LABELS8(_mm512_cvtps_pd(_mm256_loadu_ps(s + i)), 0xff)
            _mm512_storeu_pd(out + i, F(bce_v)(_mm512_loadu_pd(t + i), _mm512_loadu_pd(x + i), yv));
        }
        if (i < m) {
            __mmask8 k = K_TAIL(m, i);
            K_LABELS8(_mm512_cvtps_pd(_mm256_maskz_loadu_ps(k, s + i)), k)
            _mm512_mask_storeu_pd(out + i, k, F(bce_v)(_mm512_maskz_loadu_pd(k, t + i), _mm512_maskz_loadu_pd(k, x + i), yv));
        }
    } else {
        const double *s = (const double *)src + i0;
        for (; i + 8 <= m; i += 8) {
            K_LABELS8(_mm512_loadu_pd(s + i), 0xff)
            _mm512_storeu_pd(out + i, F(bce_v)(_mm512_loadu_pd(t + i), _mm512_loadu_pd(x + i), yv));
        }
        if (i < m) {
            __mmask8 k = K_TAIL(m, i);
            K_LABELS8(_mm512_maskz_loadu_pd(k, s + i), k)
            _mm512_mask_storeu_pd(out + i, k, F(bce_v)(_mm512_maskz_loadu_pd(k, t + i), _mm512_maskz_loadu_pd(k, x + i), yv));
        }
    }
    return acc != 0;
}
#undef K_LABELS8

IFN void F(bce_logits_finish)(const double *restrict x, const double *restrict y, const double *restrict t,
                              double *restrict out, int64_t m) {
    int64_t i = 0;
    for (; i + 8 <= m; i += 8)
        _mm512_storeu_pd(out + i, F(bce_v)(_mm512_loadu_pd(t + i), _mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i)));
    if (i < m) {
        __mmask8 k = K_TAIL(m, i);
        _mm512_mask_storeu_pd(out + i, k, F(bce_v)(_mm512_maskz_loadu_pd(k, t + i), _mm512_maskz_loadu_pd(k, x + i),
                                                   _mm512_maskz_loadu_pd(k, y + i)));
    }
}

/* Logits of a tile: converted to float64 into dst, checked finite, and their (min, max) taken into p, in
 * one pass (with e^{−|x|} into e as well when e is given, as exp_neg_abs computes it); returns nonzero when
 * a value is NaN or infinite. */
IFN int F(load_logits)(const void *src, int code, int64_t i0, int64_t n, double *dst, double *xmin,
                       double *xmax, double *e) {
    __m512d lo = V8(*xmin), hi = V8(*xmax);
    __mmask8 bad = 0;
    int64_t i = 0;
    if (code == K_F32) {
        const float *s = (const float *)src + i0;
        for (; i + 8 <= n; i += 8) {
            __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(s + i));
            _mm512_storeu_pd(dst + i, v);
            if (e) _mm512_storeu_pd(e + i, F(exp_neg_abs8)(v));
            bad |= _mm512_fpclass_pd_mask(v, 0x99);                  /* NaN or ±inf */
            lo = _mm512_min_pd(v, lo);
            hi = _mm512_max_pd(v, hi);
        }
        if (i < n) {
            __mmask8 k = K_TAIL(n, i);
            __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(k, s + i));
            _mm512_mask_storeu_pd(dst + i, k, v);
            if (e) _mm512_mask_storeu_pd(e + i, k, F(exp_neg_abs8)(v));
            bad |= _mm512_mask_fpclass_pd_mask(k, v, 0x99);
            lo = _mm512_mask_min_pd(lo, k, v, lo);
            hi = _mm512_mask_max_pd(hi, k, v, hi);
        }
    } else {
        const double *s = (const double *)src + i0;
        for (; i + 8 <= n; i += 8) {
            __m512d v = _mm512_loadu_pd(s + i);
            _mm512_storeu_pd(dst + i, v);
            if (e) _mm512_storeu_pd(e + i, F(exp_neg_abs8)(v));
            bad |= _mm512_fpclass_pd_mask(v, 0x99);
            lo = _mm512_min_pd(v, lo);
            hi = _mm512_max_pd(v, hi);
        }
        if (i < n) {
            __mmask8 k = K_TAIL(n, i);
            __m512d v = _mm512_maskz_loadu_pd(k, s + i);
            _mm512_mask_storeu_pd(dst + i, k, v);
            if (e) _mm512_mask_storeu_pd(e + i, k, F(exp_neg_abs8)(v));
            bad |= _mm512_mask_fpclass_pd_mask(k, v, 0x99);
            lo = _mm512_mask_min_pd(lo, k, v, lo);
            hi = _mm512_mask_max_pd(hi, k, v, hi);
        }
    }
    *xmin = _mm512_reduce_min_pd(lo);
    *xmax = _mm512_reduce_max_pd(hi);
    return bad != 0;
}

/* x_k ← e^{x_k − s} for one row, in place. */
IFN void F(vexp_minus)(double *x, int64_t n, double s) {
    __m512d sv = V8(s);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(x + i, F(exp8)(_mm512_sub_pd(_mm512_loadu_pd(x + i), sv)));
    if (i < n) {
        __mmask8 k = K_TAIL(n, i);
        _mm512_mask_storeu_pd(x + i, k, F(exp8)(_mm512_sub_pd(_mm512_maskz_loadu_pd(k, x + i), sv)));
    }
}

#define K_MAP8(name, fn)                                                                   \
    FN void F(name)(const double *x, double *y, int64_t n) {                              \
        int64_t i = 0;                                                                     \
        for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, F(fn)(_mm512_loadu_pd(x + i))); \
        if (i < n) {                                                                       \
            __mmask8 k = K_TAIL(n, i);                                                     \
            _mm512_mask_storeu_pd(y + i, k, F(fn)(_mm512_maskz_loadu_pd(k, x + i)));       \
        }                                                                                  \
    }
K_MAP8(vexp, exp8)
K_MAP8(vlog, logv)
K_MAP8(vlog1p, log1pv)
#undef K_MAP8
#undef K_TAIL
#undef V8

#elif defined(K_AVX2)
/* The same three functions on four lanes with AVX2 and FMA, operation for operation as the AVX-512 ones
 * (so both levels give the same bits): what AVX-512 does in one instruction is done here with integer
 * operations on the bits — 2^n applied as two powers of two (one rounding, as VSCALEFPD), x split into
 * 2^k·z, z ∈ [0.75, 1.5) from its exponent and mantissa fields (subnormals scaled by 2^54 first), the
 * table index rounded by adding 2^52 — and the tables are read without VGATHERQPD (slower): exp's 8 entries
 * by permutes of registers, log's 1/c by a division (which gives K_INVC's bits) and −log c as one 16-byte
 * row per lane. */
#define V4(c) _mm256_set1_pd(c)

/* 2^n·p for an integral n ∈ [−1100, 1100] (as a double), rounded once: p·2^n1 is exact, then ·2^n2. */
IFN __m256d F(scale4_wide)(__m256d p, __m256d n) {
    const __m256d shift = V4(K_SHIFT);
    __m256d n1 = _mm256_sub_pd(_mm256_fmadd_pd(n, V4(0.5), shift), shift);  /* n1 = n2 or n2 ± 1 */
    __m256d n2 = _mm256_sub_pd(n, n1);
    const __m256i bias = _mm256_set1_epi64x(1023);
    __m256i b1 = _mm256_add_epi64(_mm256_castpd_si256(_mm256_add_pd(n1, shift)), bias);
    __m256i b2 = _mm256_add_epi64(_mm256_castpd_si256(_mm256_add_pd(n2, shift)), bias);
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(b1, 52)), s2 = _mm256_castsi256_pd(_mm256_slli_epi64(b2, 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, s1), s2);
}

/* The same: one multiplication by 2^n when every lane's n lies in [−1022, 1023] (2^n a normal double, so
 * the product is rounded once, as in two steps), scale4_wide for the others. */
IFN __m256d F(scale4)(__m256d p, __m256d n) {
    __m256d fast = _mm256_and_pd(_mm256_cmp_pd(n, V4(-1022.0), _CMP_GE_OQ), _mm256_cmp_pd(n, V4(1023.0), _CMP_LE_OQ));
    __m256i b = _mm256_add_epi64(_mm256_castpd_si256(_mm256_add_pd(n, V4(K_SHIFT))), _mm256_set1_epi64x(1023));
    __m256d r = _mm256_mul_pd(p, _mm256_castsi256_pd(_mm256_slli_epi64(b, 52)));
    if (__builtin_expect(_mm256_movemask_pd(fast) != 0xF, 0)) r = _mm256_blendv_pd(F(scale4_wide)(p, n), r, fast);
    return r;
}

/* 2^n·p for any integral n: beyond ±1100 (where p·2^n is 0 or inf anyway, or n is a non-finite lane's
 * garbage) n is clamped first. */
IFN __m256d F(scale_any)(__m256d p, __m256d n) {
    return F(scale4)(p, _mm256_max_pd(V4(-1100.0), _mm256_min_pd(V4(1100.0), n)));
}

/* K_EXP2_8 as two registers of 32-bit halves: *lo the low halves of entries 0..7, *hi their high halves
 * (loop-invariant: the compiler builds them once, before the loop that calls exp4). */
IFN void F(exp_table4)(__m256i *lo, __m256i *hi) {
    const __m256i perm = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    __m256i a = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)K_EXP2_8), perm);
    __m256i b = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(K_EXP2_8 + 4)), perm);
    *lo = _mm256_permute2x128_si256(a, b, 0x20);
    *hi = _mm256_permute2x128_si256(a, b, 0x31);
}

/* The end of e^x on four lanes, as the AVX-512 exp8_finish: the table read by two cross-lane permutes, one
 * of the low and one of the high 32-bit halves, both indexed by the last three bits of kd (copied into both
 * halves of each lane by one shuffle), merged by one blend; 2^n, n = ⌊k/8⌋, built from kd's bits
 * ((bits >> 3) is n plus a multiple of 2^12 beside 1.5·2^49's own) when every lane has ok set (|k/8| ≤ 1020),
 * by scale4_wide for the others. */
IFN __m256d F(exp4_finish)(__m256d q, __m256d kd, __m256d k8, __m256d ok) {
    __m256i tlo, thi;
    F(exp_table4)(&tlo, &thi);
    __m256i b = _mm256_castpd_si256(kd);
    __m256i idx = _mm256_shuffle_epi32(b, 0xA0);
    __m256d t = _mm256_castsi256_pd(_mm256_blend_epi32(_mm256_permutevar8x32_epi32(tlo, idx),
                                                       _mm256_permutevar8x32_epi32(thi, idx), 0xAA));
    __m256d p = _mm256_fmadd_pd(t, q, t);
    const int64_t off = 1023 - (int64_t)(K_SHIFT8_BITS >> 3);
    __m256i sb = _mm256_slli_epi64(_mm256_add_epi64(_mm256_srli_epi64(b, 3), _mm256_set1_epi64x(off)), 52);
    __m256d res = _mm256_mul_pd(p, _mm256_castsi256_pd(sb));
    if (__builtin_expect(_mm256_movemask_pd(ok) != 0xF, 0))
        res = _mm256_blendv_pd(F(scale4_wide)(p, _mm256_floor_pd(k8)), res, ok);
    return res;
}

/* e^x on four lanes, as the AVX-512 exp8. */
IFN __m256d F(exp4)(__m256d x) {
    __m256d kd, k8, q = F(exp_parts)(x, &kd, &k8);
    return F(exp4_finish)(q, kd, k8, _mm256_cmp_pd(_mm256_andnot_pd(V4(-0.0), k8), V4(1020.0), _CMP_LE_OQ));
}

/* e^{−|x|} on four lanes, the bits of exp4(0 − |x|) with what x ≤ 0 makes needless left out: −|x| by setting
 * the sign bit (e^{−0} = e^{+0}: r is +0 either way), no clamp at 710, k/8 checked from below only; with
 * wide = 0, for lanes known to have |x| ≤ 707 (so k/8 ≥ −1020), not checked at all. */
IFN __m256d F(exp_neg_abs4_w)(__m256d x, int wide) {
    __m256d kd, k8, q = F(exp_core)(_mm256_max_pd(V4(-746.0), _mm256_or_pd(x, V4(-0.0))), &kd, &k8);
    __m256d ok = wide ? _mm256_cmp_pd(k8, V4(-1020.0), _CMP_GE_OQ) : _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    return F(exp4_finish)(q, kd, k8, ok);
}
IFN __m256d F(exp_neg_abs4)(__m256d x) { return F(exp_neg_abs4_w)(x, 1); }

/* As the AVX-512 log_parts: u = 2^k·z, z = c·(1 + r); (k·ln2 + log c) + log1p(r) as hi + lo, with k, 1/c and r.
 * Lanes that are not finite and positive give finite garbage (their index stays in the table). */
IFN void F(log_parts)(__m256d u, __m256d *hi, __m256d *lo, __m256d *k, __m256d *invc, __m256d *r) {
    __m256d tiny = _mm256_cmp_pd(u, V4(0x1p-1022), _CMP_LT_OQ);
    u = _mm256_blendv_pd(u, _mm256_mul_pd(u, V4(0x1p54)), tiny);
    __m256i bits = _mm256_castpd_si256(u);
    __m256i ex = _mm256_and_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x7ff));
    __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(ex, _mm256_castpd_si256(V4(0x1p52)))),
                              V4(0x1p52 + 1023.0));
    e = _mm256_sub_pd(e, _mm256_and_pd(tiny, V4(54.0)));
    __m256d z = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffffll)),
                                                    _mm256_castpd_si256(V4(1.0))));   /* [1, 2) */
    __m256d big = _mm256_cmp_pd(z, V4(1.5), _CMP_GE_OQ);
    z = _mm256_blendv_pd(z, _mm256_mul_pd(z, V4(0.5)), big);
    e = _mm256_add_pd(e, _mm256_and_pd(big, V4(1.0)));
    *k = e;
    F(log_core)(z, e, hi, lo, invc, r);
}

/* As the AVX-512 log_core: j = round(20z − 15) ∈ [0, 15] by adding 2^52 (j is then the last bits of sj),
 * 1/c = 20/(j + 15) by one division (correctly rounded: K_INVC[j], as the AVX-512 level reads it), and
 * −log c (K_LOGC_HI[j], K_LOGC_LO[j]) read as one 16-byte row of K_LOGC_ROWS per lane: four loads at
 * offsets taken from the vector, two unpacks (fewer operations than permutes of the three tables). */
IFN void F(log_core)(__m256d z, __m256d e, __m256d *hi, __m256d *lo, __m256d *invc, __m256d *r) {
    __m256d sj = _mm256_add_pd(_mm256_fmsub_pd(z, V4(20.0), V4(15.0)), V4(0x1p52));
    __m256d ic = _mm256_div_pd(V4(20.0), _mm256_sub_pd(sj, V4(0x1p52 - 15.0)));  /* exact: j + 15 */
    __m256i off = _mm256_and_si256(_mm256_slli_epi64(_mm256_castpd_si256(sj), 4), _mm256_set1_epi64x(0xf0));
    __m128i o01 = _mm256_castsi256_si128(off), o23 = _mm256_extracti128_si256(off, 1);
    const char *rows = (const char *)K_LOGC_ROWS;
    __m256d t02 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd((const double *)(rows + _mm_cvtsi128_si64(o01)))),
                                       _mm_loadu_pd((const double *)(rows + _mm_cvtsi128_si64(o23))), 1);
    __m256d t13 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd((const double *)(rows + _mm_extract_epi64(o01, 1)))),
                                       _mm_loadu_pd((const double *)(rows + _mm_extract_epi64(o23, 1))), 1);
    F(log_finish)(z, e, ic, _mm256_unpacklo_pd(t02, t13), _mm256_unpackhi_pd(t02, t13), hi, lo, r);
    *invc = ic;
}

/* y_i = fn(x_i) for a whole array, the last partial vector through a padded copy (so that every value,
 * wherever it lies, is computed by the same instructions). */
#define K_MAP4(name, fn, pad)                                                              \
    FN void F(name)(const double *x, double *y, int64_t n) {                              \
        int64_t i = 0;                                                                     \
        for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, F(fn)(_mm256_loadu_pd(x + i))); \
        if (i < n) {                                                                       \
            double b[4] = {pad, pad, pad, pad};                                            \
            memcpy(b, x + i, (size_t)(n - i) * 8);                                         \
            _mm256_storeu_pd(b, F(fn)(_mm256_loadu_pd(b)));                                \
            memcpy(y + i, b, (size_t)(n - i) * 8);                                         \
        }                                                                                  \
    }
K_MAP4(vexp, exp4, 0.0)
K_MAP4(vlog, logv, 1.0)
K_MAP4(vlog1p, log1pv, 0.0)
K_MAP4(vlog1p01, log1p01v, 0.0)
#undef K_MAP4

/* e_i = e^{−|z_i|} for a tile. */
IFN void F(exp_neg_abs)(const double *restrict z, double *restrict e, int64_t m) {
    int64_t i = 0;
    for (; i + 4 <= m; i += 4)
        _mm256_storeu_pd(e + i, F(exp_neg_abs4)(_mm256_loadu_pd(z + i)));
    for (; i < m; i++) {
        double b[4] = {0.0 - __builtin_fabs(z[i]), 0.0, 0.0, 0.0};
        _mm256_storeu_pd(b, F(exp4)(_mm256_loadu_pd(b)));
        e[i] = b[0];
    }
}

/* Logits of a tile, as the AVX-512 load_logits: float32 or float64 logits converted to float64 into dst,
 * checked finite, their (min, max) taken into *xmin, *xmax and e^{−|x|} written to e, in one pass (four
 * otherwise); nonzero when a value is NaN or infinite. e^{−|x|} is taken without the check for 2^n beyond
 * the normal range (exp_neg_abs4_w), and taken again with it when the tile's (min, max) show a logit
 * beyond ±707. */
IFN int F(load_logits)(const void *src, int code, int64_t i0, int64_t n, double *restrict dst, double *xmin,
                       double *xmax, double *restrict e) {
    __m256d lo = V4(__builtin_inf()), hi = V4(-__builtin_inf()), badv = _mm256_setzero_pd();
    const float *s32 = (const float *)src + i0;
    const double *s64 = (const double *)src + i0;
    int64_t i = 0;
#define K_LOGITS4(load)                                                                                   \
    for (; i + 4 <= n; i += 4) {                                                                          \
        __m256d v = load;                                                                                 \
        _mm256_storeu_pd(dst + i, v);                                                                     \
        _mm256_storeu_pd(e + i, F(exp_neg_abs4_w)(v, 0));                                                 \
        badv = _mm256_or_pd(badv, _mm256_cmp_pd(_mm256_andnot_pd(V4(-0.0), v), V4(0x1.fffffffffffffp1023), \
                                                _CMP_NLE_UQ));                                            \
        lo = _mm256_min_pd(v, lo);                                                                        \
        hi = _mm256_max_pd(v, hi);                                                                        \
    }
    if (code == K_F32) K_LOGITS4(_mm256_cvtps_pd(_mm_loadu_ps(s32 + i)))
    else K_LOGITS4(_mm256_loadu_pd(s64 + i))
#undef K_LOGITS4
    int bad = _mm256_movemask_pd(badv) != 0;
    double l4[4], h4[4];
    _mm256_storeu_pd(l4, lo);
    _mm256_storeu_pd(h4, hi);
    double l = __builtin_inf(), h = -__builtin_inf();
    for (int k = 0; k < 4; k++) {
        l = l4[k] < l ? l4[k] : l;
        h = h4[k] > h ? h4[k] : h;
    }
    if (!bad && (l < -707.0 || h > 707.0))
        for (int64_t k = 0; k + 4 <= i; k += 4) _mm256_storeu_pd(e + k, F(exp_neg_abs4)(_mm256_loadu_pd(dst + k)));
    if (i < n) {
        double bx[4] = {0.0, 0.0, 0.0, 0.0};
        int64_t rest = n - i;
        for (int64_t k = 0; k < rest; k++) {
            double v = code == K_F32 ? (double)s32[i + k] : s64[i + k];
            dst[i + k] = v;
            bx[k] = v;
            bad |= !(v >= -0x1.fffffffffffffp1023) | !(v <= 0x1.fffffffffffffp1023);
            l = v < l ? v : l;
            h = v > h ? v : h;
        }
        _mm256_storeu_pd(bx, F(exp_neg_abs4)(_mm256_loadu_pd(bx)));
        memcpy(e + i, bx, (size_t)rest * 8);
    }
    *xmin = l < *xmin ? l : *xmin;
    *xmax = h > *xmax ? h : *xmax;
    return bad;
}

/* lp_i = log1p(e^{−|z_i|}), in two passes over the tile (as the AVX-512 level). */
IFN void F(log1p_exp_neg_abs)(const double *restrict z, double *restrict lp, int64_t m) {
    F(exp_neg_abs)(z, lp, m);
    F(vlog1p01)(lp, lp, m);
}

/* As the AVX-512 bce_logits_labels, four at a time; the last partial vector through padded copies, its labels
 * converted, checked and smoothed one by one with the same operations. */
#define K_LABELS4(load)                                                                                  \
    for (; i + 4 <= m; i += 4) {                                                                         \
        __m256d yv = load;                                                                               \
        badv = _mm256_or_pd(badv, _mm256_or_pd(_mm256_cmp_pd(yv, V4(0.0), _CMP_NGE_UQ),                 \
                                               _mm256_cmp_pd(yv, V4(1.0), _CMP_NLE_UQ)));                \
        if (smooth) yv = _mm256_add_pd(_mm256_mul_pd(yv, V4(a)), V4(b));                                 \
        _mm256_storeu_pd(out + i, F(bce_v)(_mm256_loadu_pd(t + i), _mm256_loadu_pd(x + i), yv));         \
    }
IFN int F(bce_logits_labels)(const void *src, int code, int64_t i0, const double *restrict x,
                             const double *restrict t, double *restrict out, int64_t m, int smooth, double a,
                             double b) {
    const float *s32 = (const float *)src + i0;
    const double *s64 = (const double *)src + i0;
    __m256d badv = _mm256_setzero_pd();
    int64_t i = 0;
    if (code == K_F32) K_LABELS4(_mm256_cvtps_pd(_mm_loadu_ps(s32 + i)))
    else K_LABELS4(_mm256_loadu_pd(s64 + i))
    int bad = _mm256_movemask_pd(badv) != 0;
    if (i < m) {
        double bt[4] = {0.0, 0.0, 0.0, 0.0}, bx[4] = {0.0, 0.0, 0.0, 0.0}, by[4] = {0.0, 0.0, 0.0, 0.0};
        int64_t rest = m - i;
        memcpy(bt, t + i, (size_t)rest * 8);
        memcpy(bx, x + i, (size_t)rest * 8);
        for (int64_t k = 0; k < rest; k++) {
            double v = code == K_F32 ? (double)s32[i + k] : s64[i + k];
            bad |= !(v >= 0.0) | !(v <= 1.0);
            by[k] = smooth ? v * a + b : v;
        }
        _mm256_storeu_pd(bt, F(bce_v)(_mm256_loadu_pd(bt), _mm256_loadu_pd(bx), _mm256_loadu_pd(by)));
        memcpy(out + i, bt, (size_t)rest * 8);
    }
    return bad;
}
#undef K_LABELS4

/* softplus(z_i) given t_i = e^{−|z_i|} (as the AVX-512 level), the last partial vector through padded
 * copies. */
IFN void F(softplus_finish)(const double *restrict z, const double *restrict t, double *restrict out, int64_t m) {
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) _mm256_storeu_pd(out + i, F(softplus_v)(_mm256_loadu_pd(t + i), _mm256_loadu_pd(z + i)));
    if (i < m) {
        double bt[4] = {0.0, 0.0, 0.0, 0.0}, bz[4] = {0.0, 0.0, 0.0, 0.0};
        size_t rest = (size_t)(m - i) * 8;
        memcpy(bt, t + i, rest);
        memcpy(bz, z + i, rest);
        _mm256_storeu_pd(bt, F(softplus_v)(_mm256_loadu_pd(bt), _mm256_loadu_pd(bz)));
        memcpy(out + i, bt, rest);
    }
}

/* Binary cross-entropy from logits of a tile given t_i = e^{−|x_i|} (as the AVX-512 level), the last
 * partial vector through padded copies. */
IFN void F(bce_logits_finish)(const double *restrict x, const double *restrict y, const double *restrict t,
                              double *restrict out, int64_t m) {
    int64_t i = 0;
    for (; i + 4 <= m; i += 4)
        _mm256_storeu_pd(out + i, F(bce_v)(_mm256_loadu_pd(t + i), _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
    if (i < m) {
        double bt[4] = {0.0, 0.0, 0.0, 0.0}, bx[4] = {0.0, 0.0, 0.0, 0.0}, by[4] = {0.0, 0.0, 0.0, 0.0};
        size_t rest = (size_t)(m - i) * 8;
        memcpy(bt, t + i, rest);
        memcpy(bx, x + i, rest);
        memcpy(by, y + i, rest);
        _mm256_storeu_pd(bt, F(bce_v)(_mm256_loadu_pd(bt), _mm256_loadu_pd(bx), _mm256_loadu_pd(by)));
        memcpy(out + i, bt, rest);
    }
}
#undef V4

#else
/* lp_i = log1p(e^{−|z_i|}), in two vectorised passes over a tile. */
IFN void F(log1p_exp_neg_abs)(const double *restrict z, double *restrict lp, int64_t m) {
    for (int64_t i = 0; i < m; i++) lp[i] = F(k_exp)(-__builtin_fabs(z[i]));
    for (int64_t i = 0; i < m; i++) lp[i] = F(k_log1p)(lp[i]);
}

/* e_i = e^{−|z_i|} for a tile. */
IFN void F(exp_neg_abs)(const double *restrict z, double *restrict e, int64_t m) {
    for (int64_t i = 0; i < m; i++) e[i] = F(k_exp)(-__builtin_fabs(z[i]));
}

/* softplus(z_i) = log1p(t_i) + relu(z_i) given t_i = e^{−|z_i|}. */
IFN void F(softplus_finish)(const double *restrict z, const double *restrict t, double *restrict out, int64_t m) {
    for (int64_t i = 0; i < m; i++) out[i] = F(k_log1p)(t[i]) + (z[i] > 0.0 ? z[i] : 0.0);
}

/* Binary cross-entropy from logits of a tile given t_i = e^{−|x_i|}:
 * log1p(t_i) + (relu(x_i)·(1 − y_i) + relu(−x_i)·y_i). */
IFN void F(bce_logits_finish)(const double *restrict x, const double *restrict y, const double *restrict t,
                              double *restrict out, int64_t m) {
    for (int64_t i = 0; i < m; i++) {
        double pos = x[i] > 0.0 ? x[i] : 0.0;
        double neg = pos - x[i];
        out[i] = F(k_log1p)(t[i]) + (pos * (1.0 - y[i]) + neg * y[i]);
    }
}

/* The vector math on arrays (y may be x). */
FN void F(vexp)(const double *x, double *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = F(k_exp)(x[i]);
}
FN void F(vlog)(const double *x, double *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = F(k_log)(x[i]);
}
FN void F(vlog1p)(const double *x, double *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = F(k_log1p)(x[i]);
}
#endif

/* e^x − 1 for x ≤ 0 on arrays (y may be x). */
FN void F(vexpm1_neg)(const double *x, double *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = F(k_expm1_neg)(x[i]);
}

/* b ← b^γ in place (0 ≤ b ≤ 1, 0 ≤ γ ≤ 16), as NumPy's power: 1 for γ = 0 (0^0 included), b·b for 2 (as
 * NumPy computes it), b³ and b⁴ from the exact square p + e (p = fl(b²)) with one more rounding (correctly
 * rounded but for rare ties; about 1 ulp on the baseline, without FMA), any other γ by k_pow01. NumPy's
 * own pow is off by up to an ulp as often as 1 in 20 values. */
FN void F(vpow)(double *b, int64_t n, double g) {
    if (g == 0.0) {
        for (int64_t i = 0; i < n; i++) b[i] = 1.0;
    } else if (g == 1.0) {
        return;
    } else if (g == 2.0) {
        for (int64_t i = 0; i < n; i++) b[i] = b[i] * b[i];
    } else if (g == 3.0) {
        for (int64_t i = 0; i < n; i++) {
            double p = b[i] * b[i], e = F(k_mul_err)(b[i], b[i], p);
            b[i] = KF(p, b[i], e * b[i]);
        }
    } else if (g == 4.0) {
        for (int64_t i = 0; i < n; i++) {
            double p = b[i] * b[i], e = F(k_mul_err)(b[i], b[i], p);
            b[i] = KF(p, p, 2.0 * (p * e));
        }
    } else {
        for (int64_t i = 0; i < n; i++) b[i] = F(k_pow01)(b[i], g);
    }
}

/* ------------------------------------------------------------------------ sums (NumPy's pairwise order)
 * The same tree as NumPy's pairwise summation: blocks of at most 128 values summed with 8 interleaved
 * partial sums, halves (multiples of 8) added recursively. A sum therefore depends only on the values and
 * their positions inside the accumulator block, never on how the input was cut into chunks or threads. */

/* The tree's leaf: at most 128 values, in 8 interleaved partial sums (fewer than 8: one by one). */
IFN double F(pw_leaf)(const double *a, int64_t n) {
    if (n < 8) {
        double res = 0.0;
        for (int64_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    double r[8];
    for (int k = 0; k < 8; k++) r[k] = a[k];
    int64_t i, end = n - (n % 8);
    for (i = 8; i < end; i += 8)
        for (int k = 0; k < 8; k++) r[k] += a[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
}

FN double F(pw_sum)(const double *a, int64_t n) {
    if (n <= 128) return F(pw_leaf)(a, n);
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return F(pw_sum)(a, n2) + F(pw_sum)(a + n2, n - n2);
}

/* pw_sum of one row of a tile, inlined where rows are short (the same tree, so the same sum). */
IFN double F(pw_row)(const double *a, int64_t n) {
    return n > 128 ? F(pw_sum)(a, n) : F(pw_leaf)(a, n);
}

/* A row's sum in the order its NumPy kernel takes: column by column, left to right, for rows of at most
 * `across` values (the kernel adds columns), else pw_row (NumPy's sum along the row). */
IFN double F(row_sum)(const double *a, int64_t n, int64_t across) {
    if (n > across) return F(pw_row)(a, n);
    double s = a[0];
    for (int64_t k = 1; k < n; k++) s += a[k];
    return s;
}

/* t_i = row_sum(x_i, c, 32) of the m rows of a tile (rows of c values, one after another). Rows of at most 32
 * values are summed four at a time: each row still left to right, so each sum is the same, but the four
 * chains of additions interleave instead of waiting on one another. */
IFN void F(row_sums)(const double *x, int64_t m, int64_t c, double *t) {
    int64_t i = 0;
    if (c <= 32) {
        for (; i + 4 <= m; i += 4) {
            const double *r0 = x + i * c, *r1 = r0 + c, *r2 = r1 + c, *r3 = r2 + c;
            double s0 = r0[0], s1 = r1[0], s2 = r2[0], s3 = r3[0];
            for (int64_t k = 1; k < c; k++) {
                s0 += r0[k];
                s1 += r1[k];
                s2 += r2[k];
                s3 += r3[k];
            }
            t[i] = s0;
            t[i + 1] = s1;
            t[i + 2] = s2;
            t[i + 3] = s3;
        }
    }
    for (; i < m; i++) t[i] = F(row_sum)(x + i * c, c, 32);
}

/* Σ (m_i ? a_i : 0) in the same tree (m may be NULL: every term counts). */
FN double F(pw_sum_mask)(const double *a, const uint8_t *m, int64_t n) {
    if (!m) return F(pw_sum)(a, n);
    if (n < 8) {
        double res = 0.0;
        for (int64_t i = 0; i < n; i++) res += m[i] ? a[i] : 0.0;
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int k = 0; k < 8; k++) r[k] = m[k] ? a[k] : 0.0;
        int64_t i, end = n - (n % 8);
        for (i = 8; i < end; i += 8)
            for (int k = 0; k < 8; k++) r[k] += m[i + k] ? a[i + k] : 0.0;
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += m[i] ? a[i] : 0.0;
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return F(pw_sum_mask)(a, m, n2) + F(pw_sum_mask)(a + n2, m + n2, n - n2);
}

/* Σ (m_i ? (a_i − mean)² : 0) in the same tree. */
FN double F(pw_sq)(const double *a, const uint8_t *m, double mean, int64_t n) {
    if (n < 8) {
        double res = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double d = a[i] - mean;
            res += (!m || m[i]) ? d * d : 0.0;
        }
        return res;
    }
    if (n <= 128) {
        double r[8];
        int64_t i, end = n - (n % 8);
        if (m) {
            for (int k = 0; k < 8; k++) { double d = a[k] - mean; r[k] = m[k] ? d * d : 0.0; }
            for (i = 8; i < end; i += 8)
                for (int k = 0; k < 8; k++) { double d = a[i + k] - mean; r[k] += m[i + k] ? d * d : 0.0; }
        } else {
            for (int k = 0; k < 8; k++) { double d = a[k] - mean; r[k] = d * d; }
            for (i = 8; i < end; i += 8)
                for (int k = 0; k < 8; k++) { double d = a[i + k] - mean; r[k] += d * d; }
        }
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) {
            double d = a[i] - mean;
            res += (!m || m[i]) ? d * d : 0.0;
        }
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return F(pw_sq)(a, m, mean, n2) + F(pw_sq)(a + n2, m ? m + n2 : NULL, mean, n - n2);
}

/* (min, max) of the counted values (m: mask or NULL = all), starting from (lo0, hi0), in 8 lanes (lane k
 * takes the values at positions ≡ k mod 8, then lane 0 the rest; lanes combined in order); returns
 * nonzero when a counted value is NaN. */
IFN int F(range)(const double *v, const uint8_t *m, int64_t n, double lo0, double hi0, double *lo_out,
                 double *hi_out) {
    double lo[8], hi[8];
    int nan = 0;
    int64_t i = 0;
#ifdef K_VEC512
    __m512d vlo = _mm512_set1_pd(lo0), vhi = _mm512_set1_pd(hi0);
    __mmask8 bad = 0;
    if (m) {
        for (; i + 8 <= n; i += 8) {
            __m512d x = _mm512_loadu_pd(v + i);
            __mmask8 k = _mm512_test_epi64_mask(_mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(m + i))),
                                                _mm512_set1_epi64(0xff));
            vlo = _mm512_mask_min_pd(vlo, k, x, vlo);
            vhi = _mm512_mask_max_pd(vhi, k, x, vhi);
            bad |= _mm512_mask_cmp_pd_mask(k, x, x, _CMP_UNORD_Q);
        }
    } else {
        for (; i + 8 <= n; i += 8) {
            __m512d x = _mm512_loadu_pd(v + i);
            vlo = _mm512_min_pd(x, vlo);
            vhi = _mm512_max_pd(x, vhi);
            bad |= _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
        }
    }
    _mm512_storeu_pd(lo, vlo);
    _mm512_storeu_pd(hi, vhi);
    nan = bad != 0;
#elif defined(K_AVX2)
    /* lanes 0–3 and 4–7 in two registers */
    __m256d lo_a = _mm256_set1_pd(lo0), lo_b = lo_a, hi_a = _mm256_set1_pd(hi0), hi_b = hi_a;
    __m256d bad = _mm256_setzero_pd();
    if (m) {
        const __m256d pinf = _mm256_set1_pd(__builtin_inf()), ninf = _mm256_set1_pd(-__builtin_inf());
        for (; i + 8 <= n; i += 8) {
            __m256d xa = _mm256_loadu_pd(v + i), xb = _mm256_loadu_pd(v + i + 4);
            __m128i mb = _mm_loadl_epi64((const __m128i *)(m + i));
            __m256d ka = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_cvtepu8_epi64(mb), _mm256_setzero_si256()));
            __m256d kb = _mm256_castsi256_pd(
                _mm256_cmpgt_epi64(_mm256_cvtepu8_epi64(_mm_srli_si128(mb, 4)), _mm256_setzero_si256()));
            lo_a = _mm256_min_pd(_mm256_blendv_pd(pinf, xa, ka), lo_a);
            lo_b = _mm256_min_pd(_mm256_blendv_pd(pinf, xb, kb), lo_b);
            hi_a = _mm256_max_pd(_mm256_blendv_pd(ninf, xa, ka), hi_a);
            hi_b = _mm256_max_pd(_mm256_blendv_pd(ninf, xb, kb), hi_b);
            bad = _mm256_or_pd(bad, _mm256_and_pd(ka, _mm256_cmp_pd(xa, xa, _CMP_UNORD_Q)));
            bad = _mm256_or_pd(bad, _mm256_and_pd(kb, _mm256_cmp_pd(xb, xb, _CMP_UNORD_Q)));
        }
    } else {
        for (; i + 8 <= n; i += 8) {
            __m256d xa = _mm256_loadu_pd(v + i), xb = _mm256_loadu_pd(v + i + 4);
            lo_a = _mm256_min_pd(xa, lo_a);
            lo_b = _mm256_min_pd(xb, lo_b);
            hi_a = _mm256_max_pd(xa, hi_a);
            hi_b = _mm256_max_pd(xb, hi_b);
            bad = _mm256_or_pd(bad, _mm256_cmp_pd(xa, xa, _CMP_UNORD_Q));
            bad = _mm256_or_pd(bad, _mm256_cmp_pd(xb, xb, _CMP_UNORD_Q));
        }
    }
    _mm256_storeu_pd(lo, lo_a);
    _mm256_storeu_pd(lo + 4, lo_b);
    _mm256_storeu_pd(hi, hi_a);
    _mm256_storeu_pd(hi + 4, hi_b);
    nan = _mm256_movemask_pd(bad) != 0;
#else
    for (int k = 0; k < 8; k++) { lo[k] = lo0; hi[k] = hi0; }
    if (m) {
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) {
                double x = m[i + k] ? v[i + k] : __builtin_inf();
                double y = m[i + k] ? v[i + k] : -__builtin_inf();
                lo[k] = x < lo[k] ? x : lo[k];
                hi[k] = y > hi[k] ? y : hi[k];
                nan |= m[i + k] & (v[i + k] != v[i + k]);
            }
    } else {
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) {
                lo[k] = v[i + k] < lo[k] ? v[i + k] : lo[k];
                hi[k] = v[i + k] > hi[k] ? v[i + k] : hi[k];
                nan |= v[i + k] != v[i + k];
            }
    }
#endif
    for (; i < n; i++) {
        int c = m ? m[i] : 1;
        double x = c ? v[i] : __builtin_inf();
        double y = c ? v[i] : -__builtin_inf();
        lo[0] = x < lo[0] ? x : lo[0];
        hi[0] = y > hi[0] ? y : hi[0];
        nan |= c & (v[i] != v[i]);
    }
    for (int k = 1; k < 8; k++) {
        lo[0] = lo[k] < lo[0] ? lo[k] : lo[0];
        hi[0] = hi[k] > hi[0] ? hi[k] : hi[0];
    }
    *lo_out = lo[0];
    *hi_out = hi[0];
    return nan;
}

/* The accumulator's statistics of one block: (count, Σv, Σw, mean, M2, min, max), the last four over the
 * counted samples (v: values, w: normalising weights or NULL = 1, m: counted mask or NULL = all). */
FN void F(block_stats)(const double *v, const double *w, const uint8_t *m, int64_t n, double *out) {
    double sv = F(pw_sum)(v, n);
    int64_t nb = n;
    if (m) {
        nb = 0;
        for (int64_t i = 0; i < n; i++) nb += m[i] ? 1 : 0;
    }
    double sw = w ? F(pw_sum_mask)(w, m, n) : (double)nb;
    out[0] = (double)nb;
    out[1] = sv;
    out[2] = sw;
    if (nb == 0) {
        out[3] = 0.0; out[4] = 0.0; out[5] = __builtin_inf(); out[6] = -__builtin_inf();
        return;
    }
    double mean = (m ? F(pw_sum_mask)(v, m, n) : sv) / (double)nb;
    double lo, hi;
    int nan = F(range)(v, m, n, __builtin_inf(), -__builtin_inf(), &lo, &hi);
    out[3] = mean;
    out[4] = F(pw_sq)(v, m, mean, n);
    out[5] = nan ? __builtin_nan("") : lo;
    out[6] = nan ? __builtin_nan("") : hi;
}

/* ------------------------------------------------------------------------------------ loading tiles */

FN void F(load)(const void *src, int code, int64_t i0, int64_t m, double *dst) {
    switch (code) {
    case K_F64: { const double *s = (const double *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = s[i]; break; }
    case K_F32: { const float *s = (const float *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = (double)s[i]; break; }
    case K_I64: { const int64_t *s = (const int64_t *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = (double)s[i]; break; }
    case K_I32: { const int32_t *s = (const int32_t *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = (double)s[i]; break; }
    case K_U8: { const uint8_t *s = (const uint8_t *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = (double)s[i]; break; }
    case K_I8: { const int8_t *s = (const int8_t *)src + i0; for (int64_t i = 0; i < m; i++) dst[i] = (double)s[i]; break; }
    default: break;
    }
}

/* --------------------------------------------------------------------------------- per-tile kernels
 * Each returns nonzero when the tile holds an invalid value (the caller then stops, and the Python layer
 * reruns the chunk through the NumPy validation, which names the value and its row). */

/* Sample weights: values ×= sw, weights = sw (or class weight × sw); valid when finite and ≥ 0. */
IFN int F(apply_sw)(const k_job *j, int64_t i0, int64_t m, double *sw, double *out, double *wout) {
    int bad = 0;
    F(load)(j->sw, j->sw_code, i0, m, sw);
    for (int64_t i = 0; i < m; i++) bad |= !(sw[i] >= 0.0) | !(sw[i] <= 0x1.fffffffffffffp1023);
    for (int64_t i = 0; i < m; i++) out[i] *= sw[i];
    if (wout) {
        if (j->cw) for (int64_t i = 0; i < m; i++) wout[i] *= sw[i];
        else for (int64_t i = 0; i < m; i++) wout[i] = sw[i];
    }
    return bad;
}

/* Running (min, max) of finite values, in 8 lanes so that the loop vectorises. */
IFN void F(minmax)(const double *x, int64_t m, k_part *p) {
    F(range)(x, NULL, m, p->xmin, p->xmax, &p->xmin, &p->xmax);
}

/* Logits [i0, i0 + n) of the job into x as float64; nonzero when one is NaN or infinite. The AVX-512 copy
 * also takes their (min, max) in the same pass; the others do it once the tile is known to be valid. */
IFN int F(logits_in)(const k_job *j, int64_t i0, int64_t n, double *x, k_part *p) {
#ifdef K_VEC512
    return F(load_logits)(j->yp, j->yp_code, i0, n, x, &p->xmin, &p->xmax, NULL);
#else
    int bad = 0;
    (void)p;
    F(load)(j->yp, j->yp_code, i0, n, x);
    for (int64_t i = 0; i < n; i++) bad |= !(x[i] >= -0x1.fffffffffffffp1023) | !(x[i] <= 0x1.fffffffffffffp1023);
    return bad;
#endif
}

/* The focal factor of binary focal cross-entropy, applied to the BCE values in out: omp ← (1 − p_t)^γ (in
 * place), out = omp·BCE, then ×= α_t = α·y + (1 − α)(1 − y) when α is given. */
IFN void F(focal_apply)(const k_job *j, double *omp, const double *y, const double *bce, double *out, int64_t m) {
    F(vpow)(omp, m, j->gamma);
    for (int64_t i = 0; i < m; i++) out[i] = omp[i] * bce[i];
    if (j->has_alpha) {
        double a = j->alpha;
        for (int64_t i = 0; i < m; i++) out[i] = (a * y[i] + (1.0 - a) * (1.0 - y[i])) * out[i];
    }
}

/* Binary cross-entropy from logits, as the NumPy kernel: relu(x)·(1 − y) + relu(−x)·y + log1p(e^{−|x|});
 * with a positive weight −[pw·y·log σ(x) + (1 − y)·log σ(−x)]. Labels in [0, 1], logits finite. */
FN int F(tile_bce_logits)(const k_job *j, int64_t i0, int64_t m, double *restrict x, double *restrict y,
                          double *restrict t, double *restrict out, k_part *p) {
    int bad = 0;
    /* e^{−|x|} into t while the logits are loaded, where nothing but the plain BCE values follows */
    int plain = !j->focal && !j->has_pw;
#ifdef K_VEC512
    bad = F(load_logits)(j->yp, j->yp_code, i0, m, x, &p->xmin, &p->xmax, plain ? t : NULL);
    if (plain && (j->yt_code == K_F32 || j->yt_code == K_F64)) {
        if (bad) return 1;
        return F(bce_logits_labels)(j->yt, j->yt_code, i0, x, t, out, m, j->has_smooth, 1.0 - j->smooth,
                                    0.5 * j->smooth);
    }
    F(load)(j->yt, j->yt_code, i0, m, y);
    for (int64_t i = 0; i < m; i++) bad |= !(y[i] >= 0.0) | !(y[i] <= 1.0);
    if (bad) return 1;
#else
#ifdef K_AVX2
    if (plain && (j->yt_code == K_F32 || j->yt_code == K_F64) && (j->yp_code == K_F32 || j->yp_code == K_F64)) {
        if (F(load_logits)(j->yp, j->yp_code, i0, m, x, &p->xmin, &p->xmax, t)) return 1;
        return F(bce_logits_labels)(j->yt, j->yt_code, i0, x, t, out, m, j->has_smooth, 1.0 - j->smooth,
                                    0.5 * j->smooth);
    }
#endif
    F(load)(j->yp, j->yp_code, i0, m, x);
    F(load)(j->yt, j->yt_code, i0, m, y);
    for (int64_t i = 0; i < m; i++)
        bad |= !(x[i] >= -0x1.fffffffffffffp1023) | !(x[i] <= 0x1.fffffffffffffp1023) | !(y[i] >= 0.0) | !(y[i] <= 1.0);
    if (bad) return 1;
    F(minmax)(x, m, p);
#endif
    if (j->has_smooth) {
        double a = 1.0 - j->smooth, b = 0.5 * j->smooth;
        for (int64_t i = 0; i < m; i++) y[i] = y[i] * a + b;
    }
    double *dst = out;
    if (j->focal) {
        /* 1 − p_t = y·σ(−x) + (1 − y)·σ(x), σ as NumPy's sigmoid: r = 1/(1 + e), e = e^{−|x|}, σ(z) = r for
         * z ≥ 0 and e·r below; held in out while the BCE values go to t */
        double *omp = out;
        dst = t;
        for (int64_t i = 0; i < m; i++) t[i] = -__builtin_fabs(x[i]);
        F(vexp)(t, t, m);
        for (int64_t i = 0; i < m; i++) {
            double r = 1.0 / (t[i] + 1.0);
            double er = t[i] * r;
            double s_pos = x[i] < 0.0 ? er : r, s_neg = -x[i] < 0.0 ? er : r;
            omp[i] = y[i] * s_neg + (1.0 - y[i]) * s_pos;
        }
        F(vlog1p)(t, t, m);
    } else if (plain) {
#ifndef K_VEC512
        F(exp_neg_abs)(x, t, m);
#endif
        F(bce_logits_finish)(x, y, t, out, m);
        return 0;
    } else {
        F(log1p_exp_neg_abs)(x, t, m);
    }
    if (j->has_pw) {
        double pw = j->pw;
        for (int64_t i = 0; i < m; i++) {
            double lp = t[i];
            double pos = x[i] > 0.0 ? x[i] : 0.0;
            double neg = pos - x[i];
            double log_p = -(neg + lp), log_q = -(pos + lp);
            dst[i] = -((pw * y[i]) * log_p + (1.0 - y[i]) * log_q);
        }
    } else {
        for (int64_t i = 0; i < m; i++) {
            double lp = t[i];
            double pos = x[i] > 0.0 ? x[i] : 0.0;
            double neg = pos - x[i];
            dst[i] = lp + (pos * (1.0 - y[i]) + neg * y[i]);
        }
    }
    if (j->focal) F(focal_apply)(j, out, y, t, out, m);
    return 0;
}

/* Binary cross-entropy from probabilities clipped to [lo, hi] (counted), log floored where the
 * convention says (torch: −100), Keras' float32 rounding first: −[pw·y·log p + (1 − y)·log(1 − p)]. */
FN int F(tile_bce_probs)(const k_job *j, int64_t i0, int64_t m, double *restrict x, double *restrict y,
                         double *restrict t, double *restrict out, k_part *p) {
    int bad = 0;
    F(load)(j->yp, j->yp_code, i0, m, x);
    F(load)(j->yt, j->yt_code, i0, m, y);
    for (int64_t i = 0; i < m; i++)
        bad |= !(x[i] >= 0.0) | !(x[i] <= 1.0) | !(y[i] >= 0.0) | !(y[i] <= 1.0);
    if (bad) return 1;
    F(minmax)(x, m, p);
    if (j->keras32)
        for (int64_t i = 0; i < m; i++) x[i] = (double)(float)x[i];
    if (j->clip) {
        double lo = j->lo, hi = j->hi;
        int64_t clipped = 0;
        for (int64_t i = 0; i < m; i++) {
            clipped += (x[i] < lo) + (x[i] > hi);
            double q = x[i] < lo ? lo : x[i];
            x[i] = q > hi ? hi : q;
        }
        p->clipped += clipped;
    }
    if (j->has_smooth) {
        double a = 1.0 - j->smooth, b = 0.5 * j->smooth;
        for (int64_t i = 0; i < m; i++) y[i] = y[i] * a + b;
    }
    double fl = j->has_floor ? j->floor : -__builtin_inf();
    double pw = j->has_pw ? j->pw : 1.0;
    F(vlog)(x, t, m);
    for (int64_t i = 0; i < m; i++) out[i] = -x[i];
    F(vlog1p)(out, out, m);
    if (j->has_pw) {
        for (int64_t i = 0; i < m; i++) {
            double lg = t[i] > fl ? t[i] : fl;
            double lq = out[i] > fl ? out[i] : fl;
            out[i] = -((pw * y[i]) * lg + (1.0 - y[i]) * lq);
        }
    } else {
        for (int64_t i = 0; i < m; i++) {
            double lg = t[i] > fl ? t[i] : fl;
            double lq = out[i] > fl ? out[i] : fl;
            out[i] = -(y[i] * lg + (1.0 - y[i]) * lq);
        }
    }
    if (j->focal) {                                     /* 1 − p_t = y·(1 − p) + (1 − y)·p, p clipped */
        double *omp = t;
        for (int64_t i = 0; i < m; i++) omp[i] = y[i] * (1.0 - x[i]) + (1.0 - y[i]) * x[i];
        F(focal_apply)(j, omp, y, out, out, m);
    }
    return 0;
}

/* The rare row whose Σ_{c≠y} e^{x_c − x_y} overflows (logit gaps beyond 709): (m − x_y) + log Σ e^{x_c − m}. */
static double F(nll_wide_row)(const double *x, int64_t c, int64_t yi) TARGET_ATTR;
static double F(nll_wide_row)(const double *x, int64_t c, int64_t yi) {
    double mx = x[0];
    for (int64_t k = 1; k < c; k++) mx = x[k] > mx ? x[k] : mx;
    double s = 0.0;
    for (int64_t k = 0; k < c; k++) s += F(k_exp)(x[k] - mx);
    return (mx - x[yi]) + F(k_log)(s);
}

/* The parts of a row-wise log-softmax of m rows of c logits, as losses._common.log_softmax: each row of x
 * becomes x − max (its first maximum's position goes to pos), t_i = log1p(Σ_{k≠a} e^{x_k − max}), so that
 * log p_k = x_k − t_i; e is scratch for the m·c exponentials. */
IFN void F(log_softmax_parts)(double *x, double *e, double *t, double *pos, int64_t m, int64_t c) {
    for (int64_t i = 0; i < m; i++) {
        double *row = x + i * c;
        double mx = row[0];
        int64_t a = 0;
        for (int64_t k = 1; k < c; k++)
            if (row[k] > mx) { mx = row[k]; a = k; }
        for (int64_t k = 0; k < c; k++) row[k] -= mx;
        pos[i] = (double)a;
    }
    F(vexp)(x, e, m * c);
    for (int64_t i = 0; i < m; i++) {
        double *er = e + i * c;
        er[(int64_t)pos[i]] = 0.0;
        t[i] = F(pw_row)(er, c);
    }
    F(vlog1p)(t, t, m);
}

/* Class indices of a tile into y; nonzero when one is not an integer in [0, C) (nor the ignore_index). */
IFN int F(sparse_labels_in)(const k_job *j, int64_t i0, int64_t m, double *y) {
    F(load)(j->yt, j->yt_code, i0, m, y);
    double ign = (double)j->ignore, cd = (double)j->c;
    int bad = 0;
    for (int64_t i = 0; i < m; i++) {
        int in_range = (y[i] >= 0.0) & (y[i] < cd) & (y[i] == (double)(int64_t)y[i]);
        int ignored = j->has_ignore & (y[i] == ign);
        bad |= !(in_range | ignored);
    }
    return bad;
}

/* The class weight of each row's label on its loss (ignored rows: weight 0), and the counted flags. */
IFN void F(sparse_weights)(const k_job *j, int64_t m, const double *y, double *out, double *wout, uint8_t *cout) {
    double ign = (double)j->ignore;
    if (j->cw) {
        for (int64_t i = 0; i < m; i++) {
            int ignored = j->has_ignore && y[i] == ign;
            double w = ignored ? 0.0 : j->cw[(int64_t)y[i]];
            out[i] = w * out[i];
            wout[i] = w;
        }
    }
    if (cout)
        for (int64_t i = 0; i < m; i++) cout[i] = !(j->has_ignore && y[i] == ign);
}

/* out_i = log1p(t_i), t_i = Σ_{c≠y} e^{x_c − x_y}; a row whose sum overflowed (logit gaps beyond 709) is done
 * again from its logits (x: scratch of a row); ignored rows give 0. */
IFN void F(sparse_nll)(const k_job *j, int64_t i0, int64_t m, const double *y, const double *t, double *out,
                       double *x) {
    const int64_t c = j->c;
    double ign = (double)j->ignore;
    F(vlog1p)(t, out, m);
    for (int64_t i = 0; i < m; i++) {
        if (!(t[i] <= 0x1.fffffffffffffp1023)) {
            int64_t yi = (j->has_ignore && y[i] == ign) ? 0 : (int64_t)y[i];
            F(load)(j->yp, j->yp_code, (i0 + i) * c, c, x);
            out[i] = F(nll_wide_row)(x, c, yi);
        }
    }
    if (j->has_ignore)
        for (int64_t i = 0; i < m; i++) out[i] = y[i] == ign ? 0.0 : out[i];
}

#ifdef K_VEC512
/* Wide rows in one pass over the logits as they are stored (float32 or float64): each value is converted,
 * checked finite and taken into (min, max), and e^{x_k − x_y} goes straight into the row's sum, the label's
 * term as 0. The sum follows pw_sum's tree (leaves of at most 128 values in 8 lanes, halves at multiples of
 * 8), so it is the sum the two-pass path takes of the same terms, bit for bit. */
typedef struct { __m512d lo, hi; __m512 lo32, hi32; __mmask16 bad; } F(wide_seen);


/* acc + e^{v − x_y} for the lanes of k but the label's (yl: its lane). */
IFN __m512d F(wide_add8)(__m512d v, __mmask8 k, __m512d xy, int64_t yl, __m512d acc) {
    __mmask8 keep = (yl >= 0 && yl < 8) ? (__mmask8)(k & ~(1u << yl)) : k;
    return _mm512_mask_add_pd(acc, keep, acc, F(exp8_finite)(_mm512_sub_pd(v, xy)));  /* a NaN row is redone */
}

/* Up to 16 float32 logits from at (the lanes of k) checked finite and taken into w, as float32 (half the
 * work of float64 lanes); the first eight widened into *v0, the others into *v1. */
IFN void F(wide_in32)(const float *src, int64_t at, __mmask16 k, F(wide_seen) *w, __m512d *v0, __m512d *v1) {
    __m512 f = _mm512_maskz_loadu_ps(k, src + at);
    w->bad |= _mm512_mask_fpclass_ps_mask(k, f, 0x99);
    w->lo32 = _mm512_mask_min_ps(w->lo32, k, f, w->lo32);
    w->hi32 = _mm512_mask_max_ps(w->hi32, k, f, w->hi32);
    *v0 = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
    *v1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
}

/* acc + e^{x − x_y} for the lanes of k but the label's, the logits checked and taken into w. */
IFN __m512d F(wide_exp8)(const void *src, int code, int64_t at, __mmask8 k, __m512d xy, int64_t yl,
                         F(wide_seen) *w, __m512d acc) {
    __m512d v;
    if (code == K_F32) {
        __m512d unused;
        F(wide_in32)((const float *)src, at, k, w, &v, &unused);
    } else {
        v = _mm512_maskz_loadu_pd(k, (const double *)src + at);
        w->bad |= _mm512_mask_fpclass_pd_mask(k, v, 0x99);
        w->lo = _mm512_mask_min_pd(w->lo, k, v, w->lo);
        w->hi = _mm512_mask_max_pd(w->hi, k, v, w->hi);
    }
    return F(wide_add8)(v, k, xy, yl, acc);
}

IFN double F(wide_leaf_in)(const void *src, int code, int64_t at, int64_t n, __m512d xy, int64_t yl,
                        F(wide_seen) *w) {
    double a[8];
    const __m512d zero = _mm512_setzero_pd();   /* 0 + e is e: the sums are those of the terms alone */
    if (n < 8) {
        _mm512_storeu_pd(a, F(wide_exp8)(src, code, at, (__mmask8)((1u << n) - 1u), xy, yl, w, zero));
        double res = 0.0;
        for (int64_t q = 0; q < n; q++) res += a[q];
        return res;
    }
    __m512d r = F(wide_exp8)(src, code, at, 0xFF, xy, yl, w, zero);
    int64_t i = 8, end = n - (n % 8);
    if (code == K_F32)  /* sixteen at a time: one check of each kind for two vectors of terms */
        for (; i + 16 <= end; i += 16) {
            __m512d v0, v1;
            K_PREFETCH((const char *)((const float *)src + at + i) + K_AHEAD);
            F(wide_in32)((const float *)src, at + i, 0xFFFF, w, &v0, &v1);
            r = F(wide_add8)(v0, 0xFF, xy, yl - i, r);
            r = F(wide_add8)(v1, 0xFF, xy, yl - i - 8, r);
        }
    for (; i < end; i += 8) {
        K_PREFETCH((const char *)src + (at + i) * (code == K_F32 ? 4 : 8) + K_AHEAD);
        r = F(wide_exp8)(src, code, at + i, 0xFF, xy, yl - i, w, r);
    }
    _mm512_storeu_pd(a, r);
    double res = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    if (i < n) {
        _mm512_storeu_pd(a, F(wide_exp8)(src, code, at + i, (__mmask8)((1u << (n - i)) - 1u), xy, yl - i, w, zero));
        for (int64_t q = 0; q < n - i; q++) res += a[q];
    }
    return res;
}

typedef __m512d F(wide_xy);
IFN __m512d F(wide_bcast)(double v) { return _mm512_set1_pd(v); }

IFN F(wide_seen) F(wide_seen_start)(const k_part *p) {
    F(wide_seen) w = {_mm512_set1_pd(p->xmin), _mm512_set1_pd(p->xmax), _mm512_set1_ps(__builtin_inff()),
                      _mm512_set1_ps(-__builtin_inff()), 0};
    return w;
}

/* Nonzero when a logit was NaN or infinite; else the (min, max) seen goes into p. */
IFN int F(wide_seen_end)(const F(wide_seen) *w, k_part *p) {
    if (w->bad) return 1;
    double lo32 = _mm512_reduce_min_ps(w->lo32), hi32 = _mm512_reduce_max_ps(w->hi32);
    double lo = _mm512_reduce_min_pd(w->lo), hi = _mm512_reduce_max_pd(w->hi);
    p->xmin = lo32 < lo ? lo32 : lo;
    p->xmax = hi32 > hi ? hi32 : hi;
    return 0;
}
#elif defined(K_AVX2)
/* The same one pass on AVX2: eight logits at a time as two vectors of four (lanes 0–3 and 4–7 of the
 * AVX-512 vector), so the sums are taken in the same order and give the same bits. */
typedef struct { __m256d lo, hi; __m256 lo32, hi32, bad; } F(wide_seen);

IFN void F(wide_exp8)(const void *src, int code, int64_t at, int nv, __m256d xy, int64_t yl, F(wide_seen) *w,
                      __m256d *ra, __m256d *rb) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int yli = (yl >= 0 && yl < 8) ? (int)yl : -1;      /* yl: the label's lane */
    __m256d va, vb;
    if (nv == 8) {        /* a whole vector: no lane to leave out of the checks */
        if (code == K_F32) {  /* checked and compared as float32 (half the work of float64 lanes) */
            __m256 f = _mm256_loadu_ps((const float *)src + at);
            w->bad = _mm256_or_ps(w->bad, _mm256_cmp_ps(_mm256_sub_ps(f, f), _mm256_setzero_ps(), _CMP_NEQ_UQ));
            w->lo32 = _mm256_min_ps(f, w->lo32);
            w->hi32 = _mm256_max_ps(f, w->hi32);
            va = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
            vb = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
        } else {
            const double *s = (const double *)src + at;
            va = _mm256_loadu_pd(s);
            vb = _mm256_loadu_pd(s + 4);
            __m256d z = _mm256_setzero_pd();
            __m256d ba = _mm256_cmp_pd(_mm256_sub_pd(va, va), z, _CMP_NEQ_UQ);
            __m256d bb = _mm256_cmp_pd(_mm256_sub_pd(vb, vb), z, _CMP_NEQ_UQ);
            w->bad = _mm256_or_ps(w->bad, _mm256_castpd_ps(_mm256_or_pd(ba, bb)));
            w->lo = _mm256_min_pd(vb, _mm256_min_pd(va, w->lo));
            w->hi = _mm256_max_pd(vb, _mm256_max_pd(va, w->hi));
        }
        *ra = F(exp4)(_mm256_sub_pd(va, xy));
        *rb = F(exp4)(_mm256_sub_pd(vb, xy));
        if (yli >= 0) {   /* the label's own term is left out of the sum */
            __m256i keep = _mm256_xor_si256(_mm256_cmpeq_epi32(iota, _mm256_set1_epi32(yli)), _mm256_set1_epi32(-1));
            *ra = _mm256_and_pd(*ra, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(keep))));
            *rb = _mm256_and_pd(*rb, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(keep, 1))));
        }
        return;
    }
    __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), iota);
    __m256i keep = _mm256_andnot_si256(_mm256_cmpeq_epi32(iota, _mm256_set1_epi32(yli)), valid);
    __m256i va_m = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(valid));
    __m256i vb_m = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(valid, 1));
    if (code == K_F32) {
        __m256 f = _mm256_maskload_ps((const float *)src + at, valid);
        __m256 vm = _mm256_castsi256_ps(valid);
        w->bad = _mm256_or_ps(w->bad, _mm256_and_ps(vm, _mm256_cmp_ps(_mm256_sub_ps(f, f), _mm256_setzero_ps(), _CMP_NEQ_UQ)));
        w->lo32 = _mm256_blendv_ps(w->lo32, _mm256_min_ps(f, w->lo32), vm);
        w->hi32 = _mm256_blendv_ps(w->hi32, _mm256_max_ps(f, w->hi32), vm);
        va = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
        vb = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
    } else {
        const double *s = (const double *)src + at;
        va = _mm256_maskload_pd(s, va_m);
        vb = _mm256_maskload_pd(s + 4, vb_m);
        __m256d ma = _mm256_castsi256_pd(va_m), mb = _mm256_castsi256_pd(vb_m);
        __m256d z = _mm256_setzero_pd();
        __m256d ba = _mm256_and_pd(ma, _mm256_cmp_pd(_mm256_sub_pd(va, va), z, _CMP_NEQ_UQ));
        __m256d bb = _mm256_and_pd(mb, _mm256_cmp_pd(_mm256_sub_pd(vb, vb), z, _CMP_NEQ_UQ));
        w->bad = _mm256_or_ps(w->bad, _mm256_castpd_ps(_mm256_or_pd(ba, bb)));
        w->lo = _mm256_blendv_pd(w->lo, _mm256_min_pd(va, w->lo), ma);
        w->lo = _mm256_blendv_pd(w->lo, _mm256_min_pd(vb, w->lo), mb);
        w->hi = _mm256_blendv_pd(w->hi, _mm256_max_pd(va, w->hi), ma);
        w->hi = _mm256_blendv_pd(w->hi, _mm256_max_pd(vb, w->hi), mb);
    }
    __m256d ka = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(keep)));
    __m256d kb = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(keep, 1)));
    *ra = _mm256_and_pd(ka, F(exp4)(_mm256_sub_pd(va, xy)));
    *rb = _mm256_and_pd(kb, F(exp4)(_mm256_sub_pd(vb, xy)));
}

IFN double F(wide_leaf_in)(const void *src, int code, int64_t at, int64_t n, __m256d xy, int64_t yl,
                        F(wide_seen) *w) {
    double a[8];
    __m256d ra, rb;
    if (n < 8) {
        F(wide_exp8)(src, code, at, (int)n, xy, yl, w, &ra, &rb);
        _mm256_storeu_pd(a, ra);
        _mm256_storeu_pd(a + 4, rb);
        double res = 0.0;
        for (int64_t q = 0; q < n; q++) res += a[q];
        return res;
    }
    F(wide_exp8)(src, code, at, 8, xy, yl, w, &ra, &rb);
    int64_t i, end = n - (n % 8);
    for (i = 8; i < end; i += 8) {
        __m256d sa, sb;
        K_PREFETCH((const char *)src + (at + i) * (code == K_F32 ? 4 : 8) + K_AHEAD);
        F(wide_exp8)(src, code, at + i, 8, xy, yl - i, w, &sa, &sb);
        ra = _mm256_add_pd(ra, sa);
        rb = _mm256_add_pd(rb, sb);
    }
    _mm256_storeu_pd(a, ra);
    _mm256_storeu_pd(a + 4, rb);
    double res = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    if (i < n) {
        F(wide_exp8)(src, code, at + i, (int)(n - i), xy, yl - i, w, &ra, &rb);
        _mm256_storeu_pd(a, ra);
        _mm256_storeu_pd(a + 4, rb);
        for (int64_t q = 0; q < n - i; q++) res += a[q];
    }
    return res;
}

typedef __m256d F(wide_xy);
IFN __m256d F(wide_bcast)(double v) { return _mm256_set1_pd(v); }

IFN F(wide_seen) F(wide_seen_start)(const k_part *p) {
    F(wide_seen) w = {_mm256_set1_pd(p->xmin), _mm256_set1_pd(p->xmax), _mm256_set1_ps(__builtin_inff()),
                      _mm256_set1_ps(-__builtin_inff()), _mm256_setzero_ps()};
    return w;
}

IFN int F(wide_seen_end)(const F(wide_seen) *w, k_part *p) {
    if (_mm256_movemask_ps(w->bad)) return 1;
    float l32[8], h32[8];
    double l64[4], h64[4];
    _mm256_storeu_ps(l32, w->lo32);
    _mm256_storeu_ps(h32, w->hi32);
    _mm256_storeu_pd(l64, w->lo);
    _mm256_storeu_pd(h64, w->hi);
    double lo = l64[0], hi = h64[0];
    for (int q = 1; q < 4; q++) {
        lo = l64[q] < lo ? l64[q] : lo;
        hi = h64[q] > hi ? h64[q] : hi;
    }
    for (int q = 0; q < 8; q++) {
        lo = (double)l32[q] < lo ? (double)l32[q] : lo;
        hi = (double)h32[q] > hi ? (double)h32[q] : hi;
    }
    p->xmin = lo;
    p->xmax = hi;
    return 0;
}
#endif

#if defined(K_VEC512) || defined(K_AVX2)
/* wide_leaf_in on a copy of what was seen, which the compiler keeps in registers (through w itself every
 * update went to memory and back: w might alias the logits, for all it knows). */
IFN double F(wide_leaf)(const void *src, int code, int64_t at, int64_t n, F(wide_xy) xy, int64_t yl,
                        F(wide_seen) *w) {
    F(wide_seen) seen = *w;
    double res = F(wide_leaf_in)(src, code, at, n, xy, yl, &seen);
    *w = seen;
    return res;
}

static double F(wide_sum)(const void *src, int code, int64_t at, int64_t n, F(wide_xy) xy, int64_t yl,
                          F(wide_seen) *w) TARGET_ATTR;
static double F(wide_sum)(const void *src, int code, int64_t at, int64_t n, F(wide_xy) xy, int64_t yl,
                          F(wide_seen) *w) {
    if (n <= 128) return F(wide_leaf)(src, code, at, n, xy, yl, w);
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    double a = F(wide_sum)(src, code, at, n2, xy, yl, w);
    return a + F(wide_sum)(src, code, at + n2, n - n2, xy, yl - n2, w);
}

/* Sparse cross-entropy of rows of more than 32 logits without smoothing: log1p(Σ_{c≠y} e^{x_c − x_y}) by
 * wide_sum (x: scratch of a row, for the rare row whose sum overflows). */
FN int F(tile_sparse_wide)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *out,
                           double *wout, uint8_t *cout, k_part *p) {
    const int64_t c = j->c;
    if (F(sparse_labels_in)(j, i0, m, y)) return 1;
    double ign = (double)j->ignore;
    F(wide_seen) w = F(wide_seen_start)(p);
    for (int64_t i = 0; i < m; i++) {
        int64_t yi = (j->has_ignore && y[i] == ign) ? 0 : (int64_t)y[i];
        int64_t at = (i0 + i) * c;
        double xy = j->yp_code == K_F32 ? (double)((const float *)j->yp)[at + yi] : ((const double *)j->yp)[at + yi];
        t[i] = F(wide_sum)(j->yp, j->yp_code, at, c, F(wide_bcast)(xy), yi, &w);
    }
    if (F(wide_seen_end)(&w, p)) return 1;
    F(sparse_nll)(j, i0, m, y, t, out, x);
    F(sparse_weights)(j, m, y, out, wout, cout);
    return 0;
}
#endif

/* Sparse cross-entropy from logits for rows [i0, i0 + m): −log softmax(x)_y = log(1 + Σ_{c≠y} e^{x_c − x_y})
 * (softplus(x_other − x_y) for two classes), times the class weight of y; ignored rows give 0.
 * x: scratch of m·C doubles, y: scratch of m doubles. */
FN int F(tile_sparse_logits)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *e,
                             double *out, double *wout, uint8_t *cout, k_part *p) {
    const int64_t c = j->c;
#if defined(K_VEC512) || defined(K_AVX2)
    if (c > 32 && !j->has_smooth) return F(tile_sparse_wide)(j, i0, m, x, y, t, out, wout, cout, p);
#endif
    int bad = F(logits_in)(j, i0 * c, m * c, x, p);
    bad |= F(sparse_labels_in)(j, i0, m, y);
    if (bad) return 1;
    double ign = (double)j->ignore;
#ifndef K_VEC512
    F(minmax)(x, m * c, p);
#endif
    if (j->has_smooth) {
        /* with label smoothing every class's log p enters, as in the NumPy kernel:
         * log p_c = (x_c − m) − log1p(Σ_{k≠a} e^{x_k − m}), l = (1 − ε)·w_y·(−log p_y) − (ε/C)·Σ_c w_c·log p_c
         * (Keras: (1 − ε)·(−log p_y) − (ε/C)·Σ_c log p_c, times w_y) */
        F(log_softmax_parts)(x, e, t, out, m, c);
        double a1 = 1.0 - j->smooth, b1 = j->smooth / (double)c;
        for (int64_t i = 0; i < m; i++) {
            int ignored = j->has_ignore && y[i] == ign;
            int64_t yi = ignored ? 0 : (int64_t)y[i];
            double *row = x + i * c, *lp = e + i * c;
            double L = t[i];
            for (int64_t k = 0; k < c; k++) lp[k] = row[k] - L;
            double nll = -lp[yi], loss, w = 1.0;
            if (j->cw && !j->cw_argmax) {
                double d = 0.0;
                for (int64_t k = 0; k < c; k++) d += lp[k] * j->cw[k];
                w = j->cw[yi];
                loss = a1 * (w * nll) - b1 * d;
            } else {
                loss = a1 * nll - b1 * F(pw_row)(lp, c);
                if (j->cw) {
                    w = j->cw[yi];
                    loss = loss * w;
                }
            }
            out[i] = ignored ? 0.0 : loss;
            if (j->cw) wout[i] = ignored ? 0.0 : w;
        }
        if (cout)
            for (int64_t i = 0; i < m; i++) cout[i] = !(j->has_ignore && y[i] == ign);
        return 0;
    }
    if (c == 2) {
        double *z = x + 2 * m;                  /* the tile has room for 2·m more values */
        for (int64_t i = 0; i < m; i++) {
            double d = x[2 * i + 1] - x[2 * i];
            z[i] = y[i] == 1.0 ? -d : d;        /* x_other − x_y */
        }
        F(exp_neg_abs)(z, t, m);
        F(softplus_finish)(z, t, out, m);
        if (j->has_ignore)
            for (int64_t i = 0; i < m; i++) out[i] = y[i] == ign ? 0.0 : out[i];
    } else {
        for (int64_t i = 0; i < m; i++) {
            int64_t yi = (j->has_ignore && y[i] == ign) ? 0 : (int64_t)y[i];
            double *row = x + i * c;
            double xy = row[yi];
            t[i] = xy;
        }
#ifdef K_VEC512
        if (c >= 16) {
            for (int64_t i = 0; i < m; i++) F(vexp_minus)(x + i * c, c, t[i]);
        } else
#endif
        {
            for (int64_t i = 0; i < m; i++) {
                double xy = t[i];
                double *row = x + i * c;
                for (int64_t k = 0; k < c; k++) row[k] -= xy;
            }
            F(vexp)(x, x, m * c);
        }
        for (int64_t i = 0; i < m; i++) {
            int64_t yi = (j->has_ignore && y[i] == ign) ? 0 : (int64_t)y[i];
            x[i * c + yi] = 0.0;
        }
        F(row_sums)(x, m, c, t);
        F(sparse_nll)(j, i0, m, y, t, out, x);
    }
    F(sparse_weights)(j, m, y, out, wout, cout);
    return 0;
}

/* A label row's loss s and weight by the convention's class-weight rule: Keras weighs the loss by the class
 * of the label's largest entry (out = s·w_argmax, weight w_argmax); torch keeps s and weighs the row by
 * Σ_k y_k·w_k; without class weights out = s. */
IFN void F(cw_row)(const k_job *j, const double *yr, int64_t c, double s, double *out, double *wout) {
    if (j->cw && j->cw_argmax) {
        double ym = yr[0];
        int64_t am = 0;
        for (int64_t k = 1; k < c; k++)
            if (yr[k] > ym) { ym = yr[k]; am = k; }
        double w = j->cw[am];
        *out = s * w;
        *wout = w;
    } else if (j->cw) {
        double w = 0.0;
        for (int64_t k = 0; k < c; k++) w += yr[k] * j->cw[k];
        *out = s;
        *wout = w;
    } else {
        *out = s;
    }
}

/* Categorical cross-entropy from logits, as the NumPy kernel (classification.categorical_crossentropy):
 * log p_c = (x_c − m) − log1p(Σ_{k≠a} e^{x_k − m}) (m the row maximum, a its first position), y' = y(1 − ε)
 * + ε/C, l = −Σ_c y'_c·log p_c (·w_c per class; Keras: ·w_{argmax y}). Labels in [0, 1], rows summing to
 * 1 within the tolerance (a row near its edge goes to the NumPy path, which decides). */
/* Nonzero unless every value of the m rows of c is in [0, 1] and every row sums to 1 within the tolerance
 * (summed as validate._row_sums does; a row near the tolerance's edge goes to the NumPy path, which decides).
 * With lax_sums (a convention that takes such rows with a warning) a row off by more is counted in
 * p->offsum instead (with those near the edge: the caller's check of the chunk decides the warning). */
IFN int F(rows_in_simplex)(const k_job *j, const double *y, int64_t m, k_part *p) {
    const int64_t c = j->c;
    int bad = 0;
    for (int64_t i = 0; i < m * c; i++) bad |= !(y[i] >= 0.0) | !(y[i] <= 1.0);
    double tol = j->sum_tol * (1.0 - 0x1p-20);
    int64_t off = 0;
    for (int64_t i = 0; i < m; i++) {
        double s = F(row_sum)(y + i * c, c, 16);
        off += !(__builtin_fabs(s - 1.0) <= tol);
    }
    if (j->lax_sums)
        p->offsum += off;
    else
        bad |= off != 0;
    return bad;
}

FN int F(tile_cfocal_logits)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *e,
                             double *out, k_part *p);

/* Logits and label rows of a tile of a categorical loss, loaded and checked (finite logits, label rows in
 * the simplex), then log_softmax_parts (out is its scratch for the argmax positions); nonzero when a value
 * is invalid. */
IFN int F(cat_logits_in)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *e,
                         double *out, k_part *p) {
    const int64_t c = j->c;
    int bad = F(logits_in)(j, i0 * c, m * c, x, p);
    F(load)(j->yt, j->yt_code, i0 * c, m * c, y);
    bad |= F(rows_in_simplex)(j, y, m, p);
    if (bad) return 1;
#ifndef K_VEC512
    F(minmax)(x, m * c, p);
#endif
    F(log_softmax_parts)(x, e, t, out, m, c);
    return 0;
}

FN int F(tile_cce_logits)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *e,
                          double *out, double *wout, k_part *p) {
    const int64_t c = j->c;
    if (j->focal) return F(tile_cfocal_logits)(j, i0, m, x, y, t, e, out, p);
    if (F(cat_logits_in)(j, i0, m, x, y, t, e, out, p)) return 1;
    double a1 = 1.0 - j->smooth, b1 = j->smooth / (double)c;
    for (int64_t i = 0; i < m; i++) {
        double *row = x + i * c, *er = e + i * c;
        const double *yr = y + i * c;
        double L = t[i];
        if (j->has_smooth) {
            for (int64_t k = 0; k < c; k++) er[k] = (yr[k] * a1 + b1) * (row[k] - L);
        } else {
            for (int64_t k = 0; k < c; k++) er[k] = yr[k] * (row[k] - L);
        }
        if (j->cw && !j->cw_argmax)
            for (int64_t k = 0; k < c; k++) er[k] *= j->cw[k];
        F(cw_row)(j, yr, c, -F(pw_row)(er, c), out + i, wout ? wout + i : NULL);
    }
    return 0;
}

/* The losses of m rows of categorical cross-entropy or categorical focal loss from their log-probabilities
 * lp (m·c, kept) and labels y (m·c), as the NumPy kernels: y' = y(1 − ε) + ε/C, and
 *   cross-entropy: l = −Σ_c y'_c·log p_c (·w_c per class; Keras: the sum times w_{argmax y}),
 *   focal:         l = −Σ_c ((1 − p_c)^γ·y'_c)·log p_c (·α or ·α_c), 1 − p_c = −expm1(log p_c);
 * w is scratch of m·c. */
IFN void F(cat_losses)(const k_job *j, const double *lp, const double *y, double *w, int64_t m, double *out,
                       double *wout) {
    const int64_t c = j->c, mc = m * c;
    double a1 = 1.0 - j->smooth, b1 = j->smooth / (double)c;
    if (j->focal) {
        F(vexpm1_neg)(lp, w, mc);
        for (int64_t i = 0; i < mc; i++) w[i] = -w[i];
        F(vpow)(w, mc, j->gamma);
        if (j->has_smooth)
            for (int64_t i = 0; i < mc; i++) w[i] = (w[i] * (y[i] * a1 + b1)) * lp[i];
        else
            for (int64_t i = 0; i < mc; i++) w[i] = (w[i] * y[i]) * lp[i];
        if (j->alphas) {
            for (int64_t i = 0; i < m; i++)
                for (int64_t k = 0; k < c; k++) w[i * c + k] *= j->alphas[k];
        } else if (j->has_alpha) {
            for (int64_t i = 0; i < mc; i++) w[i] *= j->alpha;
        }
        for (int64_t i = 0; i < m; i++) out[i] = -F(pw_row)(w + i * c, c);
        return;
    }
    if (j->has_smooth)
        for (int64_t i = 0; i < mc; i++) w[i] = (y[i] * a1 + b1) * lp[i];
    else
        for (int64_t i = 0; i < mc; i++) w[i] = y[i] * lp[i];
    if (j->cw && !j->cw_argmax)
        for (int64_t i = 0; i < m; i++)
            for (int64_t k = 0; k < c; k++) w[i * c + k] *= j->cw[k];
    for (int64_t i = 0; i < m; i++) {
        const double *yr = y + i * c;
        F(cw_row)(j, yr, c, -F(pw_row)(w + i * c, c), out + i, wout ? wout + i : NULL);
    }
}

/* Categorical focal loss from logits (losscli and torch conventions; Keras goes through its clipped
 * probabilities, on the NumPy path): log p_c from the log-softmax of tile_cce_logits, then cat_losses. */
FN int F(tile_cfocal_logits)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *t, double *e,
                             double *out, k_part *p) {
    const int64_t c = j->c;
    if (F(cat_logits_in)(j, i0, m, x, y, t, e, out, p)) return 1;
    for (int64_t i = 0; i < m; i++) {
        const double *row = x + i * c;
        double *lp = e + i * c, L = t[i];
        for (int64_t k = 0; k < c; k++) lp[k] = row[k] - L;
    }
    F(cat_losses)(j, e, y, x, m, out, NULL);
    return 0;
}

/* Categorical cross-entropy or focal loss from probabilities, as the NumPy kernels: rows of p in [0, 1]
 * summing to 1 within the tolerance (others go to the NumPy path, which errs or warns by convention);
 * Keras' float32 rounding, then its renormalisation p / Σ p (summed in NumPy's order); the clip to
 * [lo, hi] (values whose smoothed label is nonzero counted); log p floored where the convention says
 * (torch: −100); then cat_losses. */
FN int F(tile_cce_probs)(const k_job *j, int64_t i0, int64_t m, double *x, double *y, double *e, double *out,
                         double *wout, k_part *p) {
    const int64_t c = j->c, mc = m * c;
    F(load)(j->yp, j->yp_code, i0 * c, mc, x);
    F(load)(j->yt, j->yt_code, i0 * c, mc, y);
    int bad = F(rows_in_simplex)(j, y, m, p) | F(rows_in_simplex)(j, x, m, p);
    if (bad) return 1;
    if (j->keras32)
        for (int64_t i = 0; i < mc; i++) x[i] = (double)(float)x[i];
    if (j->renorm)
        for (int64_t i = 0; i < m; i++) {
            double *row = x + i * c;
            double s = F(pw_row)(row, c);
            for (int64_t k = 0; k < c; k++) row[k] = row[k] / s;
        }
    if (j->clip) {
        double lo = j->lo, hi = j->hi, a1 = 1.0 - j->smooth, b1 = j->smooth / (double)c;
        int64_t clipped = 0;
        for (int64_t i = 0; i < mc; i++) {
            double ys = j->has_smooth ? y[i] * a1 + b1 : y[i];
            clipped += ((x[i] < lo) | (x[i] > hi)) & (ys != 0.0);
            double q = x[i] < lo ? lo : x[i];
            x[i] = q > hi ? hi : q;
        }
        p->clipped += clipped;
    }
    F(vlog)(x, x, mc);
    if (j->has_floor) {
        double fl = j->floor;
        for (int64_t i = 0; i < mc; i++) x[i] = x[i] > fl ? x[i] : fl;
    }
    F(cat_losses)(j, x, y, e, m, out, wout);
    return 0;
}

/* Element-wise regression losses on one output per sample, as the NumPy kernels: mse (p − y)², mae |p − y|,
 * huber ½e² for |e| ≤ δ else δ(|e| − ½δ). Labels and predictions finite. */
/* One element-wise regression loss of predictions xs and labels ys of the given C types, read where they are
 * used: each pair converted to float64, checked finite and its loss written, in one pass (the operations of
 * the loops below, so the same bits); nonzero when a value is NaN or infinite. */
#define K_REGRESSION_FUSED(XT, YT)                                                                          \
    {                                                                                                    \
        const XT *xs = (const XT *)j->yp + i0;                                                           \
        const YT *ys = (const YT *)j->yt + i0;                                                           \
        if (j->kind == K_MSE) {                                                                          \
            for (int64_t i = 0; i < m; i++) {                                                            \
                double a = (double)xs[i], b = (double)ys[i];                                             \
                bad |= !(a >= -0x1.fffffffffffffp1023) | !(a <= 0x1.fffffffffffffp1023) |                \
                       !(b >= -0x1.fffffffffffffp1023) | !(b <= 0x1.fffffffffffffp1023);                 \
                double d = a - b;                                                                        \
                out[i] = d * d;                                                                          \
            }                                                                                            \
        } else if (j->kind == K_MAE) {                                                                   \
            for (int64_t i = 0; i < m; i++) {                                                            \
                double a = (double)xs[i], b = (double)ys[i];                                             \
                bad |= !(a >= -0x1.fffffffffffffp1023) | !(a <= 0x1.fffffffffffffp1023) |                \
                       !(b >= -0x1.fffffffffffffp1023) | !(b <= 0x1.fffffffffffffp1023);                 \
                out[i] = __builtin_fabs(a - b);                                                          \
            }                                                                                            \
        } else {                                                                                         \
            double delta = j->delta, half = 0.5 * j->delta;                                              \
            for (int64_t i = 0; i < m; i++) {                                                            \
                double a = (double)xs[i], b = (double)ys[i];                                             \
                bad |= !(a >= -0x1.fffffffffffffp1023) | !(a <= 0x1.fffffffffffffp1023) |                \
                       !(b >= -0x1.fffffffffffffp1023) | !(b <= 0x1.fffffffffffffp1023);                 \
                double e = __builtin_fabs(a - b);                                                        \
                out[i] = e <= delta ? (0.5 * e) * e : delta * (e - half);                                \
            }                                                                                            \
        }                                                                                                \
        return bad;                                                                                      \
    }

/* MSE, MAE or Huber of a tile: float32 and float64 inputs read where they are used (K_REGRESSION_FUSED),
 * others loaded as float64 first. */
FN int F(tile_regression)(const k_job *j, int64_t i0, int64_t m, double *restrict x, double *restrict y,
                          double *restrict out) {
    int bad = 0;
    if (j->yp_code == K_F32 && j->yt_code == K_F32) K_REGRESSION_FUSED(float, float)
    if (j->yp_code == K_F32 && j->yt_code == K_F64) K_REGRESSION_FUSED(float, double)
    if (j->yp_code == K_F64 && j->yt_code == K_F32) K_REGRESSION_FUSED(double, float)
    if (j->yp_code == K_F64 && j->yt_code == K_F64) K_REGRESSION_FUSED(double, double)
    F(load)(j->yp, j->yp_code, i0, m, x);
    F(load)(j->yt, j->yt_code, i0, m, y);
    for (int64_t i = 0; i < m; i++)
        bad |= !(x[i] >= -0x1.fffffffffffffp1023) | !(x[i] <= 0x1.fffffffffffffp1023) |
               !(y[i] >= -0x1.fffffffffffffp1023) | !(y[i] <= 0x1.fffffffffffffp1023);
    if (bad) return 1;
    if (j->kind == K_MSE) {
        for (int64_t i = 0; i < m; i++) {
            double d = x[i] - y[i];
            out[i] = d * d;
        }
    } else if (j->kind == K_MAE) {
        for (int64_t i = 0; i < m; i++) out[i] = __builtin_fabs(x[i] - y[i]);
    } else {
        double delta = j->delta, half = 0.5 * j->delta;
        for (int64_t i = 0; i < m; i++) {
            double a = __builtin_fabs(x[i] - y[i]);
            out[i] = a <= delta ? (0.5 * a) * a : delta * (a - half);
        }
    }
    return 0;
}
#undef K_REGRESSION_FUSED

/* Rows [r0, r1) of the chunk: per-sample values (and weights, counted), tile by tile. */
FN int F(rows)(const k_job *j, int64_t r0, int64_t r1, k_part *p, double *scratch, const k_dest *d) {
    int64_t c = j->c;                            /* predictions per row */
    int64_t tile = K_TILE_VALUES / c;
    if (tile < 1) tile = 1;
    if (tile > K_TILE_ROWS) tile = K_TILE_ROWS;
    int64_t region = tile * c + K_TILE_ROWS;    /* a tile of values, and room for m more */
    double *x = scratch, *y = x + region, *t = y + region, *e = t + region, *sw = e + region;
    for (int64_t i0 = r0; i0 < r1; i0 += tile) {
        int64_t m = r1 - i0 < tile ? r1 - i0 : tile;
        double *out = d->out + (i0 - d->at);
        double *wout = d->wout ? d->wout + (i0 - d->at) : NULL;
        uint8_t *cout = d->cout ? d->cout + (i0 - d->at) : NULL;
        int bad;
        switch (j->kind) {
        /* element-wise losses: on the m·c outputs of the rows, then the mean of each row's c */
        case K_BCE_LOGITS:
        case K_BCE_PROBS: {
            double *dst = c == 1 ? out : e;
            bad = j->kind == K_BCE_LOGITS ? F(tile_bce_logits)(j, i0 * c, m * c, x, y, t, dst, p)
                                          : F(tile_bce_probs)(j, i0 * c, m * c, x, y, t, dst, p);
            if (!bad && c > 1)
                for (int64_t i = 0; i < m; i++) out[i] = F(pw_row)(e + i * c, c) / (double)c;
            break;
        }
        case K_SPARSE_LOGITS: bad = F(tile_sparse_logits)(j, i0, m, x, y, t, e, out, wout, cout, p); break;
        case K_CCE_LOGITS: bad = F(tile_cce_logits)(j, i0, m, x, y, t, e, out, wout, p); break;
        case K_CCE_PROBS: bad = F(tile_cce_probs)(j, i0, m, x, y, e, out, wout, p); break;
        case K_MSE: case K_MAE: case K_HUBER: {
            double *dst = c == 1 ? out : e;
            bad = F(tile_regression)(j, i0 * c, m * c, x, y, dst);
            if (!bad && c > 1)
                for (int64_t i = 0; i < m; i++) out[i] = F(pw_row)(e + i * c, c) / (double)c;
            break;
        }
        default: bad = 1;
        }
        if (!bad && j->sw) bad = F(apply_sw)(j, i0, m, sw, out, wout);
        if (bad) return 1;
    }
    return 0;
}

/* One thread: takes the next unit of rows (a whole accumulator block or a piece of one, or a piece of the
 * rows outside whole blocks) until none is left or an invalid value is found. The thread that finishes
 * the last unit of a block takes the block's statistics right away, while its values are in cache. Which
 * thread takes which unit does not matter: the values of a row and the statistics of a block depend on
 * nothing else. When the caller keeps no per-sample values (``discard``), a whole block taken as one unit
 * is computed into the thread's own block buffers, which stay in cache, and only its statistics leave:
 * the same values, summed the same way, never written to memory. */
FN void F(work)(k_part *p) {
    k_job *j = (k_job *)p->job;
    for (;;) {
        if (__atomic_load_n(&j->bad, __ATOMIC_RELAXED)) return;
        int64_t u = __atomic_fetch_add(&j->next_unit, 1, __ATOMIC_RELAXED);
        if (u >= j->nunits) return;
        int64_t r = j->units[u], e = j->units[u + 1];
        int64_t b = j->ublock[u];
        int own = b >= 0 && p->bout != NULL && e - r == j->block;
        k_dest d = own ? (k_dest){p->bout, j->wout ? p->bwout : NULL, j->cout ? p->bcout : NULL, r}
                       : (k_dest){j->out, j->wout, j->cout, 0};
        if (F(rows)(j, r, e, p, p->scratch, &d)) {
            p->bad = 1;
            __atomic_store_n(&j->bad, 1, __ATOMIC_RELAXED);
            return;
        }
        if (own) {
            F(block_stats)(d.out, d.wout, d.cout, j->block, j->stats + 7 * b);
        } else if (b >= 0 && __atomic_sub_fetch(&j->left[b], 1, __ATOMIC_ACQ_REL) == 0) {
            int64_t s = j->head + b * j->block;
            F(block_stats)(j->out + s, j->wout ? j->wout + s : NULL, j->cout ? j->cout + s : NULL, j->block,
                           j->stats + 7 * b);
        }
    }
}

#undef KV
#undef KV_SET
#undef KV_ADD
#undef KV_SUB
#undef KV_MUL
#undef KV_DIV
#undef KV_MIN
#undef KV_MAX
#undef KV_FMA
#undef KV_FNMA
#undef KV_FMS
#undef KV_WHERE
#undef F
#undef FN
#undef IFN
#undef KF
#undef K_CAT
#undef K_CAT2
