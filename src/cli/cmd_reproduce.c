/* cmd_reproduce.c - placeholder until the real command lands (it will replace this file). */
#include "args.h"
#include "commands.h"

int cmd_reproduce(int argc, char **argv)
{
    (void)argc, (void)argv;
    cli_error("reproduce", "not implemented yet");
    return EXIT_USAGE;
}
