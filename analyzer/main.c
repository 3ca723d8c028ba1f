/* main.c - sockscope: ports, sockets and connections from packet captures. */
#include <stdio.h>

#include "cli.h"
#include "live.h"
#include "run.h"

int main(int argc, char **argv)
{
    struct cli_options opt;
    struct ss_err err = {{0}};
    if (cli_parse(argc, argv, &opt, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        cli_free(&opt);
        return EXIT_USAGE;
    }
    if (opt.help) {
        cli_usage(stdout);
        cli_free(&opt);
        return EXIT_OK;
    }
    if (opt.version) {
        printf("sockscope 0.1.0\n");
        cli_free(&opt);
        return EXIT_OK;
    }
    int rc = opt.iface != NULL ? live_run(&opt) : run_offline(&opt);
    cli_free(&opt);
    return rc;
}
