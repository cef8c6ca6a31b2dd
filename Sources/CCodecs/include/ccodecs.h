// C side of vcview: everything that needs setjmp (libjpeg, libpng) or zlib's C API lives here,
// so a corrupt file becomes an error code and a message instead of ending the process.
#ifndef CCODECS_H
#define CCODECS_H
#include "ccodecs_image.h"
#include "ccodecs_inflate.h"
#endif
