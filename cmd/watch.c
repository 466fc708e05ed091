#include "cmd.h"
const struct opt watch_opts[] = { { NULL, 0, NULL, NULL, 0 } };
int cmd_watch(int argc, char **argv, struct ctx *ctx) { (void)argc; (void)argv; (void)ctx; return 0; }
