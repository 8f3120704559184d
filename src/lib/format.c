/*
 * lib/format.c - the printf engine behind kprintf and ksnprintf.
 *
 * Each "%..." in the format string is a conversion specification, handled in
 * three steps:
 *   1. parse_spec() reads flags, width, precision, length and the conversion
 *      letter without touching the arguments;
 *   2. only if the conversion is one we know are the '*' arguments and the
 *      value fetched (va_arg);
 *   3. a print_* function lays the field out and emits it.
 * Keeping step 1 apart from step 2 is what lets an unknown conversion be
 * printed verbatim without consuming an argument, which would shift every
 * later argument by one.
 *
 * Every integer is printed as a sign plus a magnitude (uintmax_t), so that
 * INT64_MIN, whose magnitude does not fit in int64_t, needs no special case.
 */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

/* <limits.h> is not on our list of headers; the compilers predefine these. */
#define FORMAT_INT_MAX __INT_MAX__
#define FORMAT_INT_MIN (-__INT_MAX__ - 1)

/* Base 2 needs one digit per bit: the longest number we can print. */
#define MAX_DIGITS (sizeof(uintmax_t) * __CHAR_BIT__)

/* Two hex digits per byte: %p prints every digit of an address. */
#define POINTER_HEX_DIGITS ((int)sizeof(void *) * 2)

/* The precision field of a spec when the format gave none. */
#define NO_PRECISION (-1)

enum length_modifier {
    LENGTH_DEFAULT, /* int / unsigned int */
    LENGTH_HH,      /* char */
    LENGTH_H,       /* short */
    LENGTH_L,       /* long */
    LENGTH_LL,      /* long long */
    LENGTH_Z,       /* size_t */
    LENGTH_T,       /* ptrdiff_t */
    LENGTH_J,       /* intmax_t */
};

/* One parsed conversion specification: %[flags][width][.precision][length]conversion */
struct spec {
    bool left_justify;       /* '-' */
    bool zero_pad;           /* '0' */
    bool plus_sign;          /* '+' */
    bool space_sign;         /* ' ' */
    bool alternate;          /* '#' */
    bool width_from_arg;     /* width was '*' */
    bool precision_from_arg; /* precision was ".*" */
    int width;               /* minimum field width, 0 when absent */
    int precision;           /* NO_PRECISION when absent */
    enum length_modifier length;
    char conversion; /* '\0' when the format ended inside the spec */
};

/* An integer ready to print: everything but the padding. */
struct number {
    uintmax_t magnitude;
    unsigned base;
    bool upper_case;
    char sign;               /* '-', '+', ' ' or '\0' for none */
    const char *prefix;      /* "0x", "0X", "0b" or "" */
    bool force_leading_zero; /* "%#o": the first digit printed must be 0 */
};

/* Where characters go, and how many have gone there. */
struct sink {
    void (*emit)(char c, void *ctx);
    void *ctx;
    int count; /* saturates at INT_MAX, the most an int return can report */
};

/* ---- output ---------------------------------------------------------- */

static void put_char(struct sink *out, char c)
{
    out->emit(c, out->ctx);
    if (out->count < FORMAT_INT_MAX)
        out->count++;
}

static void put_chars(struct sink *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_char(out, s[i]);
}

static void put_repeated(struct sink *out, char c, size_t n)
{
    while (n-- > 0)
        put_char(out, c);
}

/* strlen that stops after max characters: a "%.3s" string need not be NUL-terminated. */
static size_t bounded_length(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* ---- step 1: parsing a specification ---------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read a run of decimal digits, saturating at INT_MAX instead of overflowing. */
static int parse_decimal(const char **p)
{
    int value = 0;
    while (is_digit(**p)) {
        int digit = **p - '0';
        value = value > (FORMAT_INT_MAX - digit) / 10 ? FORMAT_INT_MAX : value * 10 + digit;
        (*p)++;
    }
    return value;
}

static const char *parse_flags(const char *p, struct spec *s)
{
    for (;; p++) {
        switch (*p) {
        case '-':
            s->left_justify = true;
            break;
        case '0':
            s->zero_pad = true;
            break;
        case '+':
            s->plus_sign = true;
            break;
        case ' ':
            s->space_sign = true;
            break;
        case '#':
            s->alternate = true;
            break;
        default:
            return p;
        }
    }
}

static const char *parse_width(const char *p, struct spec *s)
{
    if (*p == '*') {
        s->width_from_arg = true;
        return p + 1;
    }
    s->width = parse_decimal(&p);
    return p;
}

static const char *parse_precision(const char *p, struct spec *s)
{
    if (*p != '.')
        return p;
    p++;
    if (*p == '*') {
        s->precision_from_arg = true;
        return p + 1;
    }
    /* A lone '.' means precision 0, as in C. */
    s->precision = parse_decimal(&p);
    return p;
}

static const char *parse_length(const char *p, struct spec *s)
{
    switch (*p) {
    case 'h':
        if (p[1] == 'h') {
            s->length = LENGTH_HH;
            return p + 2;
        }
        s->length = LENGTH_H;
        return p + 1;
    case 'l':
        if (p[1] == 'l') {
            s->length = LENGTH_LL;
            return p + 2;
        }
        s->length = LENGTH_L;
        return p + 1;
    case 'z':
        s->length = LENGTH_Z;
        return p + 1;
    case 't':
        s->length = LENGTH_T;
        return p + 1;
    case 'j':
        s->length = LENGTH_J;
        return p + 1;
    default:
        return p;
    }
}

/*
 * Parse the specification that starts just after a '%'. Returns the position
 * after the conversion letter, or the terminating NUL if the format ended first.
 */
static const char *parse_spec(const char *p, struct spec *s)
{
    *s = (struct spec){.precision = NO_PRECISION};
    p = parse_flags(p, s);
    p = parse_width(p, s);
    p = parse_precision(p, s);
    p = parse_length(p, s);
    s->conversion = *p;
    return *p != '\0' ? p + 1 : p;
}

static bool is_known_conversion(char c)
{
    /* The loop stops at the NUL, so c == '\0' (format ended mid-spec) is unknown. */
    for (const char *known = "diuxXobcsp%"; *known != '\0'; known++) {
        if (*known == c)
            return true;
    }
    return false;
}

/* ---- step 2: fetching arguments --------------------------------------- */

/* C fetches a '*' width before a '*' precision, in that order. */
static void fetch_star_args(struct spec *s, va_list *ap)
{
    if (s->width_from_arg) {
        int width = va_arg(*ap, int);
        if (width < 0) {
            /* C: a negative '*' width is a '-' flag plus a positive width. */
            s->left_justify = true;
            width = width == FORMAT_INT_MIN ? FORMAT_INT_MAX : -width;
        }
        s->width = width;
    }
    if (s->precision_from_arg) {
        int precision = va_arg(*ap, int);
        /* C: a negative '*' precision is taken as if it were omitted. */
        s->precision = precision < 0 ? NO_PRECISION : precision;
    }
}

/*
 * char and short arguments arrive promoted to int (C11 6.5.2.2), so "hh" and
 * "h" read an int and narrow it back to the type the caller named.
 */
static intmax_t fetch_signed(enum length_modifier length, va_list *ap)
{
    switch (length) {
    case LENGTH_HH:
        return (signed char)va_arg(*ap, int);
    case LENGTH_H:
        return (short)va_arg(*ap, int);
    case LENGTH_L:
        return va_arg(*ap, long);
    case LENGTH_LL:
        return va_arg(*ap, long long);
    case LENGTH_Z:
        /* "%zd" wants the signed type of size_t's width: ptrdiff_t on every ABI we build for. */
    case LENGTH_T:
        return va_arg(*ap, ptrdiff_t);
    case LENGTH_J:
        return va_arg(*ap, intmax_t);
    default:
        return va_arg(*ap, int);
    }
}

static uintmax_t fetch_unsigned(enum length_modifier length, va_list *ap)
{
    switch (length) {
    case LENGTH_HH:
        return (unsigned char)va_arg(*ap, int);
    case LENGTH_H:
        return (unsigned short)va_arg(*ap, int);
    case LENGTH_L:
        return va_arg(*ap, unsigned long);
    case LENGTH_LL:
        return va_arg(*ap, unsigned long long);
    case LENGTH_Z:
    case LENGTH_T:
        /* "%tu" wants the unsigned type of ptrdiff_t's width: size_t. */
        return va_arg(*ap, size_t);
    case LENGTH_J:
        return va_arg(*ap, uintmax_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

/* ---- step 3: laying out a field --------------------------------------- */

/* Spaces (or zeros) needed to widen content_length characters to the field width. */
static size_t field_padding(const struct spec *s, size_t content_length)
{
    size_t width = (size_t)s->width;
    return width > content_length ? width - content_length : 0;
}

/* Text with no sign or digits (%s, %c): '0' and '+' do not apply, only width and '-'. */
static void print_padded_text(struct sink *out, const struct spec *s, const char *text,
                              size_t length)
{
    size_t padding = field_padding(s, length);
    if (!s->left_justify)
        put_repeated(out, ' ', padding);
    put_chars(out, text, length);
    if (s->left_justify)
        put_repeated(out, ' ', padding);
}

/* Write the digits of value ending just before end; returns how many (at least one). */
static size_t render_digits(uintmax_t value, unsigned base, bool upper_case, char *end)
{
    const char *digit_chars = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        *--end = digit_chars[value % base];
        value /= base;
        n++;
    } while (value != 0);
    return n;
}

/*
 * The field is laid out as
 *   [spaces] [sign] [prefix] [zero padding] [precision zeros] digits [spaces]
 * where zero padding (flag '0') replaces the leading spaces, but only when
 * there is no precision and no '-', as C specifies.
 */
static void print_number(struct sink *out, const struct spec *s, const struct number *n)
{
    char digits[MAX_DIGITS];
    char *end = digits + sizeof digits;
    size_t digit_count = render_digits(n->magnitude, n->base, n->upper_case, end);
    /* C: "%.0d" of zero prints no digits at all. */
    if (n->magnitude == 0 && s->precision == 0)
        digit_count = 0;

    size_t precision = s->precision == NO_PRECISION ? 0 : (size_t)s->precision;
    size_t precision_zeros = precision > digit_count ? precision - digit_count : 0;
    /* "%#o" raises the precision just enough that the first digit is a 0. */
    if (n->force_leading_zero && precision_zeros == 0 && (n->magnitude != 0 || digit_count == 0))
        precision_zeros = 1;

    size_t prefix_length = bounded_length(n->prefix, 2);
    size_t sign_length = n->sign != '\0' ? 1 : 0;
    size_t padding = field_padding(s, sign_length + prefix_length + precision_zeros + digit_count);
    bool zero_fill = s->zero_pad && !s->left_justify && s->precision == NO_PRECISION;

    if (!s->left_justify && !zero_fill)
        put_repeated(out, ' ', padding);
    if (sign_length != 0)
        put_char(out, n->sign);
    put_chars(out, n->prefix, prefix_length);
    if (zero_fill)
        put_repeated(out, '0', padding);
    put_repeated(out, '0', precision_zeros);
    put_chars(out, end - digit_count, digit_count);
    if (s->left_justify)
        put_repeated(out, ' ', padding);
}

static void print_signed(struct sink *out, const struct spec *s, intmax_t value)
{
    struct number n = {.base = 10, .prefix = ""};
    if (value < 0) {
        /* Negate in unsigned arithmetic: -INTMAX_MIN would overflow intmax_t. */
        n.magnitude = (uintmax_t)0 - (uintmax_t)value;
        n.sign = '-';
    } else {
        n.magnitude = (uintmax_t)value;
        n.sign = s->plus_sign ? '+' : s->space_sign ? ' ' : '\0';
    }
    print_number(out, s, &n);
}

static unsigned conversion_base(char conversion)
{
    switch (conversion) {
    case 'o':
        return 8;
    case 'b':
        return 2;
    case 'x':
    case 'X':
        return 16;
    default:
        return 10;
    }
}

/* '#' prefixes: C gives "0x" only to non-zero values, and we do the same for "0b". */
static const char *alternate_prefix(char conversion, uintmax_t value)
{
    if (value == 0)
        return "";
    switch (conversion) {
    case 'x':
        return "0x";
    case 'X':
        return "0X";
    case 'b':
        return "0b";
    default:
        return "";
    }
}

static void print_unsigned(struct sink *out, const struct spec *s, uintmax_t value)
{
    struct number n = {
        .magnitude = value,
        .base = conversion_base(s->conversion),
        .upper_case = s->conversion == 'X',
        .prefix = s->alternate ? alternate_prefix(s->conversion, value) : "",
        .force_leading_zero = s->alternate && s->conversion == 'o',
    };
    print_number(out, s, &n);
}

/* %p: always "0x" and every hex digit, whatever the flags, so addresses line up. */
static void print_pointer(struct sink *out, const struct spec *s, const void *pointer)
{
    struct spec fixed = *s;
    fixed.precision = POINTER_HEX_DIGITS;
    struct number n = {
        .magnitude = (uintptr_t)pointer,
        .base = 16,
        .prefix = "0x",
    };
    print_number(out, &fixed, &n);
}

static void print_string(struct sink *out, const struct spec *s, const char *str)
{
    if (str == NULL)
        str = "(null)";
    size_t max = s->precision == NO_PRECISION ? SIZE_MAX : (size_t)s->precision;
    print_padded_text(out, s, str, bounded_length(str, max));
}

static void print_conversion(struct sink *out, const struct spec *s, va_list *ap)
{
    switch (s->conversion) {
    case 'd':
    case 'i':
        print_signed(out, s, fetch_signed(s->length, ap));
        break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
        print_unsigned(out, s, fetch_unsigned(s->length, ap));
        break;
    case 'c': {
        char c = (char)va_arg(*ap, int);
        print_padded_text(out, s, &c, 1);
        break;
    }
    case 's':
        print_string(out, s, va_arg(*ap, const char *));
        break;
    case 'p':
        print_pointer(out, s, va_arg(*ap, const void *));
        break;
    default: /* '%' */
        put_char(out, '%');
        break;
    }
}

/* Handle the specification starting at the '%'; returns where the format continues. */
static const char *format_one(struct sink *out, const char *percent, va_list *ap)
{
    struct spec s;
    const char *next = parse_spec(percent + 1, &s);
    if (!is_known_conversion(s.conversion)) {
        put_chars(out, percent, (size_t)(next - percent));
        return next;
    }
    fetch_star_args(&s, ap);
    print_conversion(out, &s, ap);
    return next;
}

int kvformat(void (*emit)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
    struct sink out = {.emit = emit, .ctx = ctx, .count = 0};
    if (fmt == NULL)
        return 0;

    /*
     * Helpers take a va_list pointer so that each va_arg advances the one
     * list. On x86_64 va_list is an array type, so &ap of a parameter has the
     * wrong type; a local copy has the right one.
     */
    va_list args;
    va_copy(args, ap);
    const char *p = fmt;
    while (*p != '\0') {
        if (*p == '%')
            p = format_one(&out, p, &args);
        else
            put_char(&out, *p++);
    }
    va_end(args);
    return out.count;
}

/* ---- formatting into a buffer ----------------------------------------- */

struct buffer_sink {
    char *buf;
    size_t size;
    size_t written; /* characters stored in buf so far */
};

static void emit_to_buffer(char c, void *ctx)
{
    struct buffer_sink *b = ctx;
    /* Keep the buffer's last byte for the terminating NUL. */
    if (b->written + 1 < b->size)
        b->buf[b->written++] = c;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer_sink b = {.buf = buf, .size = size, .written = 0};
    int length = kvformat(emit_to_buffer, &b, fmt, ap);
    if (size > 0)
        buf[b.written] = '\0';
    return length;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int length = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return length;
}
