/*
 * manpage.h - the manual page xbar.1, printed by `xbar help --man` (the build writes it into
 * the build folder, `cmake --install` puts it under share/man/man1; CMakeLists.txt).
 *
 * It is made from the tables --help prints, so the two cannot drift apart: the command
 * table of main.c (COMMANDS), the common flags of args.c (COMMON FLAGS), and every
 * command's own --help (a subsection each: its flags, its settings with their defaults,
 * the device and optimizer tables), which each command prints as man(7) roff because the
 * usage style is set to USAGE_ROFF first (args.h). `man -l xbar.1` shows it.
 */
#ifndef XBAR_CLI_MANPAGE_H
#define XBAR_CLI_MANPAGE_H

#include "commands.h"

/**
 * Write the page to stdout: cmds[0..n) are the command table (each run with "--help"),
 * tagline the program's one-line description. @return 0, or -1 if a command's help failed
 * or a write failed.
 */
int manpage_write(const cli_command *cmds, int n, const char *tagline);

#endif
