// giflib 5 (libgif-dev) for the exports' animated GIFs.
#include <gif_lib.h>
