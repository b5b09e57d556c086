/**
 * @file signals.h
 * @brief How every long-running command stops: SIGTERM and SIGINT set a
 *        flag through the command's handler, and the loop finishes its step.
 */
#ifndef IB_SIGNALS_H
#define IB_SIGNALS_H

/**
 * @brief Points SIGTERM and SIGINT at @p handler (no SA_RESTART, so blocking
 *        calls return early), ignores SIGPIPE, then unblocks SIGTERM and
 *        SIGINT: a supervisor that started the process with them blocked
 *        (the chaos harness, the bench) has a stop sent during start-up
 *        handled here rather than killing the process.
 */
void ib_on_stop_signals(void (*handler)(int));

#endif
