/**
 * @file signals.h
 * @brief How every long-running command stops, in one place: SIGTERM and
 *        SIGINT set the one stop flag, and each loop checks it between
 *        steps and finishes the step it is in.
 *
 *     ib_stop_signals();              // once the command is ready to stop cleanly
 *     while (!ib_stop_requested) ...
 */
#ifndef IB_SIGNALS_H
#define IB_SIGNALS_H

#include <signal.h>

/** 1 once SIGTERM or SIGINT arrived (after ib_stop_signals()). */
extern volatile sig_atomic_t ib_stop_requested;

/**
 * @brief Clears the stop flag, points SIGTERM and SIGINT at its handler (no
 *        SA_RESTART, so blocking calls return early), ignores SIGPIPE, then
 *        unblocks SIGTERM and SIGINT: a supervisor that started the process
 *        with them blocked (the chaos harness, the bench) has a stop sent
 *        during start-up delivered here rather than killing the process.
 */
void ib_stop_signals(void);

#endif
