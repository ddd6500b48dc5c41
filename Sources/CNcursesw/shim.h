#ifndef FLEETDECK_CNCURSESW_SHIM_H
#define FLEETDECK_CNCURSESW_SHIM_H

// Wide-character ncurses: cchar_t, wget_wch, mvwaddnwstr.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// ncurses exposes attributes and colour pairs as macros Swift cannot import.
static inline attr_t fd_attr_normal(void) { return A_NORMAL; }
static inline attr_t fd_attr_bold(void) { return A_BOLD; }
static inline attr_t fd_attr_dim(void) { return A_DIM; }
static inline attr_t fd_attr_reverse(void) { return A_REVERSE; }
static inline attr_t fd_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t fd_attr_italic(void) { return A_ITALIC; }
static inline int fd_key_resize(void) { return KEY_RESIZE; }
static inline int fd_colors(void) { return COLORS; }
static inline int fd_color_pairs(void) { return COLOR_PAIRS; }
static inline int fd_err(void) { return ERR; }

// Colour pairs above 32767 need the extended form of wattr_set.
static inline int fd_set_attr(WINDOW *win, attr_t attrs, int pair) {
    return wattr_set(win, attrs, (short)0, &pair);
}

// SIGINT/SIGTERM only raise a flag: the render loop notices it and restores the terminal
// through its ordinary exit path.
static inline volatile sig_atomic_t *fd_stop_flag(void) {
    static volatile sig_atomic_t flag = 0;
    return &flag;
}

static inline void fd_on_stop_signal(int sig) { (void)sig; *fd_stop_flag() = 1; }

// A crash must not leave the operator's terminal in raw mode: restore it, then die as before.
static inline void fd_on_fatal_signal(int sig) {
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline void fd_install_signal_handlers(void) {
    // A parent may hand down a mask that blocks these (test runners, some supervisors): the
    // thread that owns the terminal must receive them.
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);

    struct sigaction stop;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = 0;
    stop.sa_handler = fd_on_stop_signal;
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGHUP, &stop, NULL);

    struct sigaction fatal;
    sigemptyset(&fatal.sa_mask);
    fatal.sa_flags = SA_RESETHAND;
    fatal.sa_handler = fd_on_fatal_signal;
    sigaction(SIGSEGV, &fatal, NULL);
    sigaction(SIGBUS, &fatal, NULL);
    sigaction(SIGILL, &fatal, NULL);
    sigaction(SIGFPE, &fatal, NULL);
    sigaction(SIGABRT, &fatal, NULL);
    sigaction(SIGTRAP, &fatal, NULL);
}

#endif
