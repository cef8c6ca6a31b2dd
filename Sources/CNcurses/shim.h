// ncursesw with the wide-character API. SwiftPM drops pkg-config's -D flags, so define
// NCURSES_WIDECHAR here; macros Swift cannot import are wrapped as static inline functions.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>
// term.h would define every terminfo capability name (lines, buttons, …) as a macro; only
// setupterm is needed from it.
extern int setupterm(const char *term, int filedes, int *errret);

// Globals Swift 6 refuses to touch (not concurrency-safe) behind accessors.
static inline WINDOW *vc_stdscr(void) { return stdscr; }
static inline int vc_colors(void) { return COLORS; }
static inline int vc_color_pairs(void) { return COLOR_PAIRS; }
static inline int vc_lines(void) { return LINES; }
static inline int vc_cols(void) { return COLS; }

// Attribute macros.
static inline attr_t vc_a_normal(void) { return A_NORMAL; }
static inline attr_t vc_a_bold(void) { return A_BOLD; }
static inline attr_t vc_a_reverse(void) { return A_REVERSE; }
static inline attr_t vc_a_underline(void) { return A_UNDERLINE; }
static inline attr_t vc_a_dim(void) { return A_DIM; }

// Mouse masks and the event reader.
static inline mmask_t vc_mouse_mask_wanted(void) {
    return BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
}
static inline int vc_mouse_is_press(mmask_t b) { return (b & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }
static inline int vc_mouse_is_double(mmask_t b) { return (b & BUTTON1_DOUBLE_CLICKED) != 0; }
static inline int vc_mouse_is_wheel_up(mmask_t b) { return (b & BUTTON4_PRESSED) != 0; }
static inline int vc_mouse_is_wheel_down(mmask_t b) {
#ifdef BUTTON5_PRESSED
    return (b & BUTTON5_PRESSED) != 0;
#else
    return 0;
#endif
}
/// Reads the pending mouse event: returns 0 and fills x, y, buttons, or -1.
static inline int vc_get_mouse(int *x, int *y, mmask_t *state) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return -1;
    *x = ev.x; *y = ev.y; *state = ev.bstate;
    return 0;
}

/// Draws one wide character with attributes and an extended pair number (any size) at (y, x).
static inline int vc_put(int y, int x, wchar_t ch, attr_t attrs, int pair) {
    cchar_t cc;
    wchar_t s[2] = { ch, 0 };
    if (setcchar(&cc, s, attrs, 0, &pair) != OK) return ERR;
    return mvadd_wch(y, x, &cc);
}

/// Whether the terminal description says it takes direct (24-bit) colour numbers.
static inline int vc_has_direct_color(void) { return tigetflag("RGB") == 1; }

// stdio streams for newterm (Swift 6 refuses the C globals).
static inline FILE *vc_stdout(void) { return stdout; }
static inline FILE *vc_stdin(void) { return stdin; }
