/*
 * roff.h - man(7) markup for the manual page xbar.1 (`xbar help --man`, manpage.c): plain
 * text of the program's tables (commands, flags, keys) written so that groff prints it as it
 * reads in --help.
 *
 * Escaping (every function below): a backslash becomes \e; a '-' that starts a word or
 * follows another '-' becomes \- (so "--set" and "-1" print as typed, "least-squares" keeps
 * its hyphen); a line that would start with '.' or '\'' gets \& first; each non-ASCII UTF-8
 * character becomes \[uXXXX] (groff reads it whatever its input encoding).
 */
#ifndef XBAR_CLI_ROFF_H
#define XBAR_CLI_ROFF_H

#include <stdio.h>

/** s escaped, as one piece of a line (s must not hold a newline). */
void roff_text(FILE *f, const char *s);
/** ".PP", then s (may hold newlines) as filled text: leading blanks of its lines dropped. */
void roff_paragraph(FILE *f, const char *s);
/** s (may hold newlines) unfilled, its lines and their blanks kept (".nf" ... ".fi"). */
void roff_verbatim(FILE *f, const char *s);
/**
 * One entry of a list: ".TP", the tag line (bold in bold, then italic in italic, then rest in
 * roman, each may be NULL), then body (may be NULL or hold newlines) filled.
 *   roff_item(f, "--seed", "N", NULL, "random seed")  ->  .TP / \fB\-\-seed\fR \fIN\fR / random seed
 */
void roff_item(FILE *f, const char *bold, const char *italic, const char *rest, const char *body);

#endif
