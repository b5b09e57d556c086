/*
 * signals.c: stop signals; see signals.h.
 */
#include "signals.h"

#include <signal.h>
#include <string.h>

void ib_on_stop_signals(void (*handler)(int)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}
