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
#include <string.h>
#include <termios.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>
#include <ncursesw/term.h>

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

// SIGINT/SIGTERM/SIGHUP only raise a flag: the render loop notices it and restores the
// terminal through its ordinary exit path. The state lives in one function-local static per
// importing module; only the console's terminal backend imports this header.
typedef struct {
    volatile sig_atomic_t stop;
    int have_termios;
    struct termios termios;          // the terminal as it was before ncurses touched it
    char reset[256];                 // escapes that leave the alternate screen and show the cursor
    size_t reset_length;
    struct sigaction previous[32];   // handlers in place before ours (Swift's backtracer)
} fd_signal_state;

static inline fd_signal_state *fd_state(void) {
    static fd_signal_state state;
    return &state;
}

static inline int fd_stop_requested(void) { return fd_state()->stop != 0; }

static inline void fd_on_stop_signal(int sig) { (void)sig; fd_state()->stop = 1; }

// A crash must not leave the operator's terminal in raw mode on the alternate screen. Only
// async-signal-safe calls here (tcsetattr, write); then the previous handler (the Swift
// runtime's backtracer) runs as if we had not been there.
static inline void fd_on_fatal_signal(int sig) {
    fd_signal_state *st = fd_state();
    if (st->reset_length > 0) { ssize_t w = write(STDOUT_FILENO, st->reset, st->reset_length); (void)w; }
    if (st->have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &st->termios);
    if (sig > 0 && sig < 32) sigaction(sig, &st->previous[sig], NULL);
    raise(sig);
}

static inline void fd_append_capability(fd_signal_state *st, const char *name) {
    char *cap = tigetstr((char *)name);
    if (cap == NULL || cap == (char *)-1) return;
    size_t n = strlen(cap);
    if (st->reset_length + n >= sizeof(st->reset)) return;
    memcpy(st->reset + st->reset_length, cap, n);
    st->reset_length += n;
}

// Call before initscr(): remembers the terminal's modes.
static inline void fd_save_terminal_modes(void) {
    fd_signal_state *st = fd_state();
    st->have_termios = tcgetattr(STDIN_FILENO, &st->termios) == 0;
}

// Turns off XON/XOFF flow control so Ctrl-S and Ctrl-Q reach the console as keys; the modes
// saved above (restored at exit and on a signal) bring it back. Call after cbreak(), then
// def_prog_mode() so curses keeps it.
static inline void fd_disable_flow_control(void) {
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) == 0) {
        t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
}

// Mouse: a click, a double click and the wheel; the masks are macros Swift cannot import.
// After a crash, the reset string also turns the terminal's mouse reporting off (xterm's
// 1000 and 1006 modes, which ncurses uses), or the shell would receive the clicks as text.
static inline void fd_enable_mouse(void) {
    mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(200);
    fd_signal_state *st = fd_state();
    const char *off = "\033[?1000l\033[?1006l";
    size_t n = strlen(off);
    if (st->reset_length + n < sizeof(st->reset)) {
        memcpy(st->reset + st->reset_length, off, n);
        st->reset_length += n;
    }
}

static inline int fd_key_mouse(void) { return KEY_MOUSE; }

// The event as 1 click, 2 double click, 4 wheel up, 5 wheel down (0 for anything else), with
// its cell.
static inline int fd_read_mouse(int *x, int *y) {
    MEVENT e;
    if (getmouse(&e) != OK) return 0;
    *x = e.x;
    *y = e.y;
    if (e.bstate & BUTTON1_DOUBLE_CLICKED) return 2;
    if (e.bstate & BUTTON1_CLICKED) return 1;
    if (e.bstate & BUTTON4_PRESSED) return 4;
    if (e.bstate & BUTTON5_PRESSED) return 5;
    return 0;
}

// Call after initscr(), when terminfo is loaded.
static inline void fd_install_signal_handlers(void) {
    fd_signal_state *st = fd_state();
    st->reset_length = 0;
    fd_append_capability(st, "sgr0");
    fd_append_capability(st, "rmcup");
    fd_append_capability(st, "cnorm");

    // A parent may hand down a mask that blocks these (test runners, some supervisors): the
    // thread that owns the terminal must receive them.
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);

    struct sigaction stop;
    memset(&stop, 0, sizeof stop);
    sigemptyset(&stop.sa_mask);
    stop.sa_handler = fd_on_stop_signal;
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGHUP, &stop, NULL);

    // The fatal handler runs on its own stack so that a stack overflow still restores.
    static char alternate_stack[64 * 1024];
    stack_t ss;
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof alternate_stack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);

    struct sigaction fatal;
    memset(&fatal, 0, sizeof fatal);
    sigemptyset(&fatal.sa_mask);
    fatal.sa_flags = SA_ONSTACK;
    fatal.sa_handler = fd_on_fatal_signal;
    int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        int sig = fatal_signals[i];
        sigaction(sig, &fatal, &st->previous[sig]);
    }
}

#endif
