/* manpage.c - the manual page xbar.1 from the program's own tables (see manpage.h). */
#include "manpage.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "roff.h"
#include "xbar.h"

static const char description[] =
    "xbar simulates the training of neural networks on analog in-memory computing (AIMC) hardware: crossbar "
    "tiles of resistive devices whose conductances are the weights, read by analog matrix-vector products and "
    "changed only by electrical pulses whose effect depends on the device state and the pulse direction. It runs "
    "the least-squares experiments and the network training of Wu, Gokmen, Rasch and Chen, \"Towards Exact "
    "Gradient-based Training on Analog In-memory Computing\" (NeurIPS 2024), with digital SGD, Analog SGD, "
    "Tiki-Taka and its successors.";

static const char settings[] =
    "Each command reads its settings from defaults, then --config FILE (INI), then each --set section.key=value "
    "in order. Each run writes a fresh output folder (--out DIR; an existing one only with --force). The same "
    "seed gives the same bits for any thread count.";

static const char library[] =
    "The simulator is also a C library, libxbar (shared and static), whose header xbar.h is its manual; "
    "pkg-config xbar and CMake's find_package(xbar) find it.";

int manpage_write(const cli_command *cmds, int n, const char *tagline)
{
    FILE *f = stdout;
    char name[64], help[] = "--help", version[32];
    snprintf(version, sizeof version, "xbar %d.%d.%d", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH);
    /* NAME: the tagline as man(7) has it, lower case and without the full stop */
    char what[160];
    snprintf(what, sizeof what, "%s", tagline);
    size_t len = strlen(what);
    if (len && what[len - 1] == '.') what[--len] = 0;
    if (what[0] >= 'A' && what[0] <= 'Z') what[0] = (char)(what[0] - 'A' + 'a');
    fprintf(f, ".\\\" xbar.1 - written by `xbar help --man` from the program's tables; do not edit.\n"
               ".TH XBAR 1 \"\" \"%s\" \"User Commands\"\n.nh\n.ad l\n.SH NAME\nxbar \\- ", version);
    roff_text(f, what);
    fputs("\n.SH SYNOPSIS\n.B xbar\n.I command\n.RI [ flags ]\n.br\n.B xbar\n.I command\n.B \\-\\-help\n"
          ".br\n.B xbar \\-\\-help\n.br\n.B xbar \\-\\-version\n.SH DESCRIPTION\n",
          f);
    roff_paragraph(f, description);
    roff_paragraph(f, settings);
    roff_paragraph(f, library);

    fputs(".SH COMMANDS\n", f);
    for (int i = 0; i < n; i++) roff_item(f, cmds[i].name, NULL, NULL, cmds[i].help);
    fputs(".SH COMMON FLAGS\n", f);
    roff_paragraph(f, "Every command but data takes these (each also as --flag=value):");
    args_common_roff(f);

    fputs(".SH COMMANDS IN DETAIL\n", f);
    roff_paragraph(f, "What `xbar COMMAND --help` prints: the command's flags, and its settings with their "
                      "defaults, units and ranges.");
    args_usage_style(USAGE_ROFF);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        snprintf(name, sizeof name, "%s", cmds[i].name);
        char *argv[] = { name, help, NULL };
        rc = cmds[i].run(2, argv) != EXIT_OK;
    }
    args_usage_style(USAGE_TEXT);

    fputs(".SH EXIT STATUS\n", f);
    roff_item(f, "0", NULL, NULL, "done");
    roff_item(f, "1", NULL, NULL, "runtime failure (a write or an allocation failed)");
    roff_item(f, "2", NULL, NULL, "bad input: an unknown flag or key, a value out of range, unreadable or malformed "
                                  "data or configuration, a model over the memory budget; one line on stderr "
                                  "names the key and value");
    roff_item(f, "3", NULL, NULL, "training diverged (train, reproduce): a NaN or Inf in the loss, an activation, a "
                                  "gradient or a weight; the message names the epoch, step and layer");
    fputs(".SH ENVIRONMENT\n", f);
    roff_item(f, "OMP_WAIT_POLICY", NULL, NULL, "xbar runs with passive OpenMP waiting (idle threads sleep "
                                                "instead of spinning) unless this or GOMP_SPINCOUNT is set.");
    fputs(".SH SEE ALSO\n", f);
    roff_paragraph(f, "pkg-config(1); the header xbar.h (the library's manual); docs/ of the source tree: "
                      "install.md, architecture.md, model.md, reliability.md.");
    if (fflush(f) || ferror(f)) return -1;
    return rc ? -1 : 0;
}
