/* main.c - placeholder entry point (replaced by the CLI). */
#include <stdio.h>
#include "xbar.h"
int main(void) { printf("xbar %d\n", xbar_version()); return 0; }
