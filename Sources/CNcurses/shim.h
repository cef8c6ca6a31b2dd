// ncursesw with the wide-character API. SwiftPM drops pkg-config's -D flags, so define
// NCURSES_WIDECHAR here; macros Swift cannot import are wrapped as static inline functions.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncursesw/curses.h>
