/* roff.c - man(7) escaping and the few requests xbar.1 uses (see roff.h). */
#include "roff.h"

#include <ctype.h>
#include <string.h>

/* ---------------------------------------------------------------- escaping */

/* One UTF-8 sequence at s (lead byte >= 0x80) as \[uXXXX]; returns its length (a malformed
 * byte is written as \[u00XX] of itself and counts 1). */
static size_t put_utf8(FILE *f, const unsigned char *s)
{
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    unsigned long cp = len == 4 ? s[0] & 0x07u : len == 3 ? s[0] & 0x0fu : len == 2 ? s[0] & 0x1fu : s[0];
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0u) != 0x80u) { /* truncated sequence: the lead byte alone */
            len = 1, cp = s[0];
            break;
        }
        cp = cp << 6 | (s[k] & 0x3fu);
    }
    fprintf(f, "\\[u%04lX]", cp);
    return len;
}

/* s[0..n) escaped (a comma inside a word may end an output line: long default lists); *bol: at
 * the beginning of an output line (updated). */
static void put_escaped(FILE *f, const char *s, size_t n, int *bol)
{
    char prev = ' ';
    for (size_t i = 0; i < n;) {
        const unsigned char c = (unsigned char)s[i];
        if (*bol && (c == '.' || c == '\'')) fputs("\\&", f);
        *bol = 0;
        if (c >= 0x80) {
            i += put_utf8(f, (const unsigned char *)s + i);
            prev = 'a';
            continue;
        }
        if (c == '\\') fputs("\\e", f);
        else if (c == '-' && (prev == '-' || !isalnum((unsigned char)prev))) fputs("\\-", f);
        else fputc(c, f);
        if (c == ',' && i + 1 < n && s[i + 1] != ' ') fputs("\\:", f); /* a break point in "a,b,c" lists */
        prev = (char)c;
        i++;
    }
}

void roff_text(FILE *f, const char *s)
{
    int bol = 0;
    put_escaped(f, s, strlen(s), &bol);
}

/* s line by line, each escaped on a line of its own; fill: leading blanks dropped, blank lines skipped. */
static void put_lines(FILE *f, const char *s, int fill)
{
    while (*s) {
        if (fill) s += strspn(s, " \t");
        const char *nl = strchr(s, '\n');
        const size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n || !fill) {
            int bol = 1;
            put_escaped(f, s, n, &bol);
            fputc('\n', f);
        }
        s += n + (nl != NULL);
    }
}

/* ---------------------------------------------------------------- requests */

void roff_paragraph(FILE *f, const char *s)
{
    fputs(".PP\n", f);
    put_lines(f, s, 1);
}

void roff_verbatim(FILE *f, const char *s)
{
    fputs(".PP\n.nf\n", f);
    put_lines(f, s, 0);
    fputs(".fi\n", f);
}

void roff_item(FILE *f, const char *bold, const char *italic, const char *rest, const char *body)
{
    fputs(".TP\n", f);
    if (bold) fputs("\\fB", f), roff_text(f, bold), fputs("\\fR", f);
    if (italic) fputs(bold ? " \\fI" : "\\fI", f), roff_text(f, italic), fputs("\\fR", f);
    if (rest) roff_text(f, rest);
    fputc('\n', f);
    if (body) put_lines(f, body, 1);
}
