#ifndef CCODECS_IMAGE_H
#define CCODECS_IMAGE_H
// (image codecs: filled in by the imaging work)
#endif
