#ifndef CCODECS_INFLATE_H
#define CCODECS_INFLATE_H
// (zlib inflate: filled in by the checkpoint work)
#endif
